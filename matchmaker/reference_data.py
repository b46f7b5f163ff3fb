"""Reference data every deployment starts with: divisions, default clusters, parks, taxonomy."""
from __future__ import annotations

from graph import reference
from matchmaker import regions

CLUSTERS = [
    {"code": "CM", "name": "工程机械", "name_en": "Engineering machinery"},
    {"code": "AU", "name": "汽车", "name_en": "Automotive"},
    {"code": "HA", "name": "家电", "name_en": "Home appliances"},
    # Not designated by the default policy: its anchors get no R1 award (policy.toml decides).
    {"code": "EI", "name": "电子信息", "name_en": "Electronic information"},
]

# Parks of the default policy region (长沙市); another city replaces this list.
PARKS = [
    {"code": "CSETDZ", "name": "长沙经济技术开发区", "region": "430121"},
    {"code": "CSHTZ", "name": "长沙高新技术产业开发区", "region": "430104"},
    {"code": "NXETDZ", "name": "宁乡经济技术开发区", "region": "430182"},
    {"code": "LYETDZ", "name": "浏阳经济技术开发区", "region": "430181"},
    {"code": "WCETDZ", "name": "望城经济技术开发区", "region": "430112"},
    {"code": "YHEDZ", "name": "雨花经济开发区", "region": "430111"},
    {"code": "TXEDZ", "name": "天心经济开发区", "region": "430103"},
    {"code": "JXETDZ", "name": "金霞经济开发区", "region": "430105"},
]

# Two levels: categories and their parts (leaf categories are what needs ask for).
TAXONOMY = {
    ("HYD", "液压气动件", "Hydraulics & pneumatics"): [
        ("HYD-CYL", "液压油缸", "Hydraulic cylinders"), ("HYD-VLV", "液压阀", "Hydraulic valves"),
        ("HYD-PMP", "液压泵与马达", "Hydraulic pumps & motors"),
        ("HYD-HOSE", "液压胶管总成", "Hydraulic hoses"), ("HYD-PNU", "气动元件", "Pneumatics"),
        ("HYD-SEAL", "密封件", "Seals")],
    ("CAST", "铸件", "Castings"): [
        ("CAST-IRON", "铸铁件", "Iron castings"), ("CAST-DIE", "铝合金压铸件", "Aluminium die castings"),
        ("CAST-INV", "熔模精密铸件", "Investment castings")],
    ("FORG", "锻件", "Forgings"): [
        ("FORG-OPEN", "自由锻件", "Open-die forgings"), ("FORG-DIE", "模锻件", "Closed-die forgings")],
    ("MACH", "机加工与热表处理", "Machining & finishing"): [
        ("MACH-CNC", "精密机加工", "CNC machining"), ("MACH-HT", "热处理", "Heat treatment"),
        ("MACH-SURF", "表面处理", "Surface treatment"), ("MACH-COAT", "涂装", "Coating")],
    ("STRU", "结构件与钣金", "Structures & sheet metal"): [
        ("STRU-WELD", "焊接结构件", "Welded structures"), ("STRU-STAMP", "冲压件", "Stampings"),
        ("STRU-SHEET", "钣金件", "Sheet metal")],
    ("ELEC", "电子电气", "Electrical & electronics"): [
        ("ELEC-HARN", "线束", "Wiring harnesses"), ("ELEC-PCBA", "电路板组件", "PCBA"),
        ("ELEC-CTRL", "控制器", "Controllers"), ("ELEC-MOTOR", "电机", "Motors")],
    ("PLAS", "塑料与橡胶件", "Plastics & rubber"): [
        ("PLAS-INJ", "注塑件", "Injection mouldings"), ("PLAS-RUB", "橡胶件", "Rubber parts")],
    ("TRAN", "传动与底盘件", "Drivetrain & chassis"): [
        ("TRAN-GEAR", "齿轮与变速箱", "Gears & gearboxes"), ("TRAN-BEAR", "轴承与回转支承", "Bearings"),
        ("TRAN-SHOCK", "减震器", "Shock absorbers")],
    ("THERM", "制冷与热交换", "Refrigeration & heat exchange"): [
        ("THERM-COMP", "压缩机", "Compressors"), ("THERM-HX", "换热器", "Heat exchangers"),
        ("THERM-TUBE", "铜管件", "Copper tubing")],
    ("MAT", "材料与其他", "Materials & other"): [
        ("MAT-AL", "铝型材", "Aluminium profiles"), ("MAT-GLASS", "玻璃件", "Glass parts"),
        ("MAT-FAST", "紧固件", "Fasteners"), ("MAT-PM", "粉末冶金件", "Powder metallurgy")],
}


def category_rows() -> list[dict]:
    rows = []
    for (code, name, name_en), parts in TAXONOMY.items():
        rows.append({"code": code, "name": name, "name_en": name_en, "parent": None})
        rows += [{"code": c, "name": n, "name_en": e, "parent": code} for c, n, e in parts]
    return rows


def seed(graph) -> dict:
    """Idempotent: MERGE everything; divisions only when missing (they never change at runtime)."""
    if graph.read(reference.count_regions) < len(regions.divisions()):
        rows = [{"code": d.code, "name": d.name, "level": d.level, "kind": d.kind,
                 "parent": d.parent} for d in regions.divisions().values()]
        for i in range(0, len(rows), 1000):
            graph.write(reference.merge_regions, rows[i:i + 1000])
    graph.write(reference.merge_clusters, CLUSTERS)
    graph.write(reference.merge_parks, PARKS)
    graph.write(reference.merge_categories, category_rows())
    graph.forget_kept()
    return {"regions": len(regions.divisions()), "clusters": len(CLUSTERS), "parks": len(PARKS),
            "categories": len(category_rows())}
