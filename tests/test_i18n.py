"""Chinese by default, English on request; every UI string marked for translation has one."""
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from conftest import csrf_token, login

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "matchmaker/translations/en/LC_MESSAGES/messages.po"


def test_every_marked_string_has_an_english_translation():
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    keywords = {"_": None, "_l": None, "gettext": None}
    found = {message for _, _, message, _, _ in extract_from_dir(
        str(ROOT / "matchmaker"), method_map, keywords=keywords)
        if isinstance(message, str)}
    catalog = read_po(PO.open("rb"))
    missing = sorted(m for m in found if not (catalog.get(m) and catalog.get(m).string))
    assert not missing, f"untranslated (run pybabel extract/update): {missing[:10]}"


def test_english_switch_translates_pages_forms_and_errors(client, make_company):
    make_company("星联重工", role="anchor", clusters=["CM"], user="anchor@a.cn")
    assert "登录" in client.get("/auth/login").get_data(as_text=True)
    page = client.get("/auth/login?lang=en").get_data(as_text=True)
    assert "Sign in" in page and 'lang="en"' in page and "登录" not in page
    wrong = client.post("/auth/login", data={"email": "anchor@a.cn", "password": "wrong-password-1",
                                             "csrf_token": csrf_token(client)})
    assert "Wrong email or password" in wrong.get_data(as_text=True)
    login(client, "anchor@a.cn")
    form = client.post("/needs/new", data={"title": "", "csrf_token": csrf_token(client, "/needs/new")})
    html = form.get_data(as_text=True)
    assert "Post a procurement need" in html and "This field is required." in html
    assert "Our procurement needs" in client.get("/needs/").get_data(as_text=True)
    client.get("/?lang=zh")
    assert "本企业采购需求" in client.get("/needs/").get_data(as_text=True)


def test_stored_messages_are_restored_only_where_pages_show_them():
    from matchmaker import i18n
    message = i18n._l("匹配：%(terms)s", terms="液压")
    assert str(i18n.restored(i18n.stored(message))) == "匹配：液压"
    assert i18n.restored("本地企业") == "本地企业"        # written before messages were stored
    assert i18n.restored('{"msgid" 不是 JSON') == '{"msgid" 不是 JSON'
    # a user's text that looks like a stored message is data in JSON answers
    looks_stored = i18n.stored(message)
    assert i18n.shown({"description": looks_stored}) == {"description": looks_stored}
