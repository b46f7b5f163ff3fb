"""The company directory: the office's list of every registered company (search, filters,
exports), each company's page (`directory.profile`), the office's approval of new
registrations (`auth.accounts.set_company_status`) and its review of possible duplicates
(`dedupe`); `directory` also answers the API's company and need lists."""
from flask import Blueprint

bp = Blueprint("companies", __name__, template_folder="templates", url_prefix="/companies")
