"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

A test checks it with openapi-spec-validator and that it names exactly the routes Flask serves."""
from __future__ import annotations

from matchmaker.auth.tokens import SCOPES


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _page_of(name: str) -> dict:
    return {"type": "object", "required": ["items", "page", "per_page", "total"], "properties": {
        "items": {"type": "array", "items": _ref(name)}, "page": {"type": "integer"},
        "per_page": {"type": "integer"}, "total": {"type": "integer"}}}


_STRINGS = {"type": "array", "items": {"type": "string"}}
_PAGING = [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
           {"name": "per_page", "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": 200}}]
_YEAR = [{"name": "year", "in": "query", "required": True,
          "schema": {"type": "integer", "minimum": 1990, "maximum": 2100}}]


def _query(*names: str) -> list[dict]:
    return [{"name": n, "in": "query", "schema": {"type": "string"}} for n in names]


def _path_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _op(summary: str, scope: str, ok: dict, *, params=(), body: dict | None = None,
        status: str = "200") -> dict:
    errors = {code: {"description": text, "content": {"application/json": {
        "schema": _ref("Error")}}} for code, text in (
        ("400", "输入有误（field 指出字段）"), ("401", "未登录或令牌无效"),
        ("403", "角色或令牌权限范围不足"), ("404", "对象不存在或不可见"),
        ("503", "图数据库暂时不可用"))}
    op = {"summary": summary, "security": [{"token": [scope]}, {"session": []}],
          "parameters": list(params),
          "responses": {status: {"description": "OK", "content": {
              "application/json": {"schema": ok}}}, **errors}}
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return op


def spec() -> dict:
    need_in = {"type": "object", "required": ["title"], "properties": {
        "title": {"type": "string", "maxLength": 100}, "description": {"type": "string"},
        "spec": {"type": "string"}, "category": {"type": "string"},
        "annual_volume": {"type": "integer", "minimum": 0}, "certs_required": _STRINGS,
        "delivery_region": {"type": "string"}, "deadline": {"type": "string", "format": "date"},
        "status": {"enum": ["draft", "open", "closed"]}}}
    capability_in = {"type": "object", "properties": {
        "id": {"type": "string"}, "products": {"type": "string"},
        "processes": {"type": "string"}, "materials": {"type": "string"},
        "equipment": {"type": "string"}, "certifications": _STRINGS, "categories": _STRINGS,
        "capacity_per_year": {"type": "integer", "minimum": 0}}}
    anything = {"type": "object", "additionalProperties": True}
    # The calibrated fit of a supplier for a need (matchmaker/matching/fit.py), the same number
    # on the need page, the supplier's page, fair proposals and the chain map.
    fit_fields = {
        "fit": {"type": "integer", "minimum": 0, "maximum": 100,
                "description": "匹配度：按开发集校准，同等匹配度的配对中相关的比例（%）"},
        "tier": {"enum": ["high", "medium", "low"],
                 "description": "高（high）：此档配对至少九成相关；中；低"},
        "confident": {"type": "boolean", "description": "tier 为 high（可靠匹配）"}}
    # What was read from the text when it was saved (matchmaker/matching/requirements.py).
    read_from_text = {
        "requirement_chips": {**_STRINGS, "description": "从文本识别的要求（按请求的语言）：尺寸范围、"
                              "年需求或年产能、认证、新品/维修、设计/来图、材料、不做与仅做的项目"},
        "stated_volume": {"type": ["integer", "null"],
                          "description": "文本中写明的年需求量（需求）或年产能（能力），件"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "产业链配套撮合 API", "version": "1.0.0",
                 "description": "令牌在“API 令牌”页面创建，按企业和权限范围授权；"
                                "请求头 Authorization: Bearer mmk_…"},
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {
                "token": {"type": "http", "scheme": "bearer",
                          "description": "权限范围：" + "；".join(
                              f"{k}（{v}）" for k, v in SCOPES.items())},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error", "message"], "properties": {
                    "error": {"type": "string"}, "message": {"type": "string"},
                    "field": {"type": "string"}, "details": {"type": "array"}}},
                "Company": {"type": "object", "required": ["credit_code", "name", "role"],
                            "properties": {
                                "credit_code": {"type": "string"}, "name": {"type": "string"},
                                "role": {"enum": ["anchor", "supplier"]},
                                "status": {"type": "string"},
                                "region": {"type": ["string", "null"]},
                                "park": {"type": ["string", "null"]},
                                "clusters": _STRINGS, "local": {"type": ["boolean", "null"]}}},
                "Need": {"type": "object", "required": ["id", "title", "status", "company"],
                         "properties": {"id": {"type": "string"}, "title": {"type": "string"},
                                        "status": {"type": "string"},
                                        "company": {"type": "string"},
                                        "category": {"type": ["string", "null"]},
                                        "certs_required": _STRINGS, **read_from_text}},
                "Capability": {"type": "object", "required": ["id"],
                               "properties": {"id": {"type": "string"},
                                              "products": {"type": ["string", "null"]},
                                              "certifications": _STRINGS,
                                              "categories": _STRINGS, **read_from_text}},
                "RequirementCheck": {
                    "type": "object", "required": ["kind", "requirement", "status", "hard"],
                    "description": "需求的一项要求对照该企业能力的核对结果",
                    "properties": {
                        "kind": {"type": "string", "description": "service、design、"
                                 "certification、material、process、exclusion 或尺寸、压力、"
                                 "年需求等数量类别（diameter、pressure、annual_count…）"},
                        "requirement": {"type": "string"},
                        "status": {"enum": ["met", "not_met", "unknown"]},
                        "hard": {"type": "boolean",
                                 "description": "不满足时该企业排在所有无此问题的企业之后"},
                        "reason": {"type": "string", "description": "不满足的原因，如"
                                   "“缸径范围 Φ32–Φ100，需求 Φ140”"}}},
                "Match": {
                    "type": "object", "additionalProperties": True,
                    "required": ["company", "company_name", "fit", "tier", "confident",
                                 "unmet"],
                    "properties": {
                        "company": {"type": "string"}, "company_name": {"type": "string"},
                        "capability": {"type": "string"}, **fit_fields,
                        "unmet": {**_STRINGS, "description": "不满足的硬性要求（原因）"},
                        "explanation": {"type": "object", "additionalProperties": True,
                                        "properties": {"requirements": {
                                            "type": "array",
                                            "items": _ref("RequirementCheck")}}}}},
            },
        },
        "paths": {
            "/api/v1/companies": {"get": _op(
                "企业名录（组织方看全部；企业看已审核企业的公开信息）", "companies:read",
                _page_of("Company"), params=_PAGING + _query("role", "status", "q", "region",
                                                              "park"))},
            "/api/v1/companies/{credit_code}": {"get": _op(
                "单个企业", "companies:read", _ref("Company"),
                params=[_path_param("credit_code")])},
            "/api/v1/needs": {
                "get": _op("采购需求列表（主机企业看本企业；配套企业看公开的开放需求）",
                           "needs:read", _page_of("Need"), params=_PAGING + _query("status")),
                "post": _op("发布采购需求（主机企业）", "needs:write", _ref("Need"),
                            body=need_in, status="201")},
            "/api/v1/needs/{need_id}": {
                "get": _op("单个需求", "needs:read", _ref("Need"),
                           params=[_path_param("need_id")]),
                "patch": _op("修改需求状态（发布、关闭、重新开放）", "needs:write", _ref("Need"),
                             params=[_path_param("need_id")],
                             body={"type": "object", "required": ["status"], "properties": {
                                 "status": {"enum": ["draft", "open", "closed"]}}})},
            "/api/v1/needs/{need_id}/matches": {"get": _op(
                "需求的匹配供应商（含解释与要求核对）", "matches:read", {
                    "type": "object", "required": ["need", "matches", "abstain"],
                    "properties": {
                        "need": _ref("Need"),
                        "matches": {"type": "array", "items": _ref("Match")},
                        "abstain": {"type": "boolean",
                                    "description": "排名第一的企业也不是可靠匹配"},
                        "notice": {"type": ["string", "null"],
                                   "description": "abstain 时为“暂无可靠的本地配套企业”"}}},
                params=[_path_param("need_id"), *_query("local_only", "cert")])},
            "/api/v1/capabilities": {
                "get": _op("本企业能力档案", "capabilities:read", {
                    "type": "object", "properties": {
                        "items": {"type": "array", "items": _ref("Capability")}}}),
                "post": _op("新增或修改能力（配套企业）", "capabilities:write", {
                    "type": "object", "properties": {"ids": _STRINGS}},
                    body={"type": "object", "required": ["capabilities"], "properties": {
                        "capabilities": {"type": "array", "items": capability_in,
                                         "minItems": 1, "maxItems": 100}}}, status="201")},
            "/api/v1/suppliers/me/matching-needs": {"get": _op(
                "与本企业能力匹配的开放需求（匹配度与需求页相同）", "matches:read", {
                    "type": "object", "required": ["needs"], "properties": {"needs": {
                        "type": "array", "items": {
                            "type": "object", "additionalProperties": True,
                            "required": ["need", "title", "fit", "tier", "confident", "unmet"],
                            "properties": {"need": {"type": "string"},
                                           "title": {"type": "string"},
                                           "anchor": {"type": "string"}, **fit_fields,
                                           "unmet": _STRINGS}}}}})},
            "/api/v1/rates": {"get": _op(
                "本地配套率", "rates:read", anything,
                params=_YEAR + [{"name": "years_back", "in": "query",
                                 "schema": {"type": "integer", "minimum": 0, "maximum": 10}}])},
            "/api/v1/awards": {"get": _op("采购增量奖励测算", "rates:read", anything,
                                          params=_YEAR)},
            "/api/v1/purchases": {"post": _op(
                "上报采购记录（整批成功或整批不入库）", "purchases:write", anything,
                body={"type": "object", "required": ["rows"], "properties": {
                    "rows": {"type": "array", "maxItems": 10000, "items": {
                        "type": "object", "properties": {
                            k: {"type": "string"} for k in (
                                "anchor_credit_code", "supplier_credit_code", "invoice_no",
                                "date", "amount_yuan", "category")}}}}},
                status="201")},
        },
    }
