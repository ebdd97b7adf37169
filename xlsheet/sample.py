"""The built-in sample round: the seed 政策評価表 (所沢市, 令和２年度, evaluating 令和元年度).

`sample_master()` is the master data the planning office would keep; `sample_submissions()` is
what each department writes back, with the seed's own texts. Paragraphs keep the seed's
wording; the seed's PDF line breaks are joined.
"""

from __future__ import annotations

import datetime as dt

from .models import (
    Assignment,
    Category,
    Department,
    Initiative,
    KnownProject,
    LeadingProject,
    LpEntry,
    Master,
    Paragraph,
    ProjectEntry,
    Settings,
    Submission,
)

LP = "KIZUNA"

DIRECTION = (
    "平成23年度に各行政区に「まちづくりセンター」を開設して以来、地域の関係団体同士がつながる"
    "「地域づくり協議会」の設立や運営を支援するなど、「地域でできることは地域で解決する」ため、"
    "地域にふさわしい仕組みづくりを進めてきました。\n"
    "　また、高齢者や障害者が住み慣れた自宅や地域で自立した尊厳のある暮らしを可能な限り継続できる"
    "よう、医療・介護・介護予防・住まい・生活支援が一体的に提供されるための「地域包括ケアシステム」"
    "を構築しているところです。\n"
    "　今後も、地域のことを「他人事」ではなく「我が事」と考える住民主体の地域づくりを支援し、子ど"
    "もから高齢者、障害者など市民の誰もが「人と人との絆」を実感する地域共生社会の実現のため取り組"
    "むことが必要です。\n"
    "　そのために引き続き、「地域づくり協議会」による地域横断的ネットワーク活動の充実に向け、支援"
    "拠点となるまちづくりセンターを中心とした体制を整えるとともに、医療・介護等各分野の関係機関が"
    "地域と連携を図りながら、「地域包括ケアシステム」の推進を図ります。"
)

_DEPARTMENTS = (
    ("D110", "地域づくり推進課", "市民部", "chiiki@example.lg.jp"),
    ("D111", "各まちづくりセンター", "市民部", "machi-center@example.lg.jp"),
    ("D112", "小手指まちづくりセンター", "市民部", "kotesashi@example.lg.jp"),
    ("D210", "地域福祉センター", "福祉部", "chiikifukushi@example.lg.jp"),
    ("D220", "高齢者支援課", "福祉部", "koureisha@example.lg.jp"),
    ("D310", "こども支援課", "こども未来部", "kodomo@example.lg.jp"),
    ("D320", "青少年課", "こども未来部", "seishonen@example.lg.jp"),
    ("D410", "健康づくり支援課", "健康推進部", "kenko@example.lg.jp"),
)

_INITIATIVES = (
    ("1-1-1", "地域コミュニティの充実", "地域課題解決のための自発的な活動への支援"),
    ("1-2-2", "身近な地域に広がるネットワークづくり", "地域での見守り・支え合いの体制づくり"),
    (
        "1-4-2",
        "住み慣れた自宅や地域で暮らし続けるための取り組みの推進",
        "認知症施策の推進・在宅医療・介護の連携推進",
    ),
    ("1-4-3", "地域の課題を解決するための体制づくり", "日常生活圏域への生活支援コーディネーターの設置"),
    ("2-1-3", "地域における子育て支援の充実", "地域のつながりによる子育て支援の環境づくり"),
    ("3-1-1", "主体的な健康づくりの推進", "地区担当制による地域特性を生かした健康づくりの推進"),
)

# (initiative, category, reporting department)
_ASSIGNMENTS = (
    ("1-1-1", Category.MAIN, "D110"),
    ("1-1-1", Category.MAIN, "D112"),
    ("1-2-2", Category.MAIN, "D210"),
    ("1-4-2", Category.MAIN, "D220"),
    ("1-4-3", Category.MAIN, "D220"),
    ("2-1-3", Category.RELATED, "D310"),
    ("2-1-3", Category.RELATED, "D320"),
    ("3-1-1", Category.RELATED, "D410"),
)

# (initiative, project name, 所属 shown on the form, reporting department)
_PROJECTS = (
    # 取り組みコード, 事業名, 所属名（表示）, 報告所属, 事業コード, 予算の細目 (sample values, 見本)
    (
        "1-1-1",
        "地域づくり支援事業",
        "各まちづくりセンター",
        "D110",
        "J0101",
        "総務費 総務管理費 地域づくり推進費",
    ),
    (
        "1-1-1",
        "小手指まちづくりセンター整備事業（第２駐車場整備）",
        "小手指まちづくりセンター",
        "D112",
        "J0102",
        "総務費 総務管理費 まちづくりセンター費",
    ),
    (
        "1-2-2",
        "社会福祉協議会補助金",
        "地域福祉センター",
        "D210",
        "J0201",
        "民生費 社会福祉費 社会福祉総務費",
    ),
    (
        "1-2-2",
        "民生委員・児童委員及び協議会活動推進事業",
        "地域福祉センター",
        "D210",
        "J0202",
        "民生費 社会福祉費 社会福祉総務費",
    ),
    ("1-4-2", "認知症施策推進事業", "高齢者支援課", "D220", "J0301", "民生費 老人福祉費 高齢者福祉費"),
    (
        "1-4-2",
        "在宅医療・介護連携推進事業",
        "高齢者支援課",
        "D220",
        "J0302",
        "民生費 老人福祉費 高齢者福祉費",
    ),
    ("1-4-2", "生活支援体制整備事業", "高齢者支援課", "D220", "J0303", "民生費 老人福祉費 高齢者福祉費"),
    (
        "1-4-3",
        "介護予防・生活支援サービス事業",
        "高齢者支援課",
        "D220",
        "J0304",
        "民生費 老人福祉費 介護予防費",
    ),
    (
        "1-4-3",
        "地域包括支援センター運営事業",
        "高齢者支援課",
        "D220",
        "J0305",
        "民生費 老人福祉費 介護予防費",
    ),
    ("2-1-3", "ファミリーサポート事業", "こども支援課", "D310", "J0401", "民生費 児童福祉費 児童福祉総務費"),
    ("2-1-3", "子ども広場設置・整備費補助金", "青少年課", "D320", "J0402", "教育費 社会教育費 青少年費"),
    (
        "3-1-1",
        "健康づくり推進事業",
        "健康づくり支援課",
        "D410",
        "J0501",
        "衛生費 保健衛生費 健康づくり推進費",
    ),
)
SAMPLE_PERSONNEL_COST = 8000
"""平均人件費（千円／人・年） of the sample round (見本)."""


def sample_master() -> Master:
    """Master data of the sample round, as the planning office keeps it in master.xlsx."""
    names = {code: name for code, name, _, _ in _DEPARTMENTS}
    return Master(
        settings=Settings(
            municipality="所沢市",
            evaluation_year=2020,
            round_id="R02-seisaku-hyoka",
            deadline=dt.date(2020, 6, 30),
            office_name="企画課",
            office_contact="政策評価担当",
            office_email="kikaku@example.lg.jp",
            office_phone="04-2998-9999",
            average_personnel_cost=SAMPLE_PERSONNEL_COST,
        ),
        leading_projects=(
            LeadingProject(code=LP, name="絆を紡ぐまちづくり", direction=DIRECTION, lead_department="D110"),
        ),
        initiatives=tuple(Initiative(code=c, title=t, subtitle=s) for c, t, s in _INITIATIVES),
        assignments=tuple(
            Assignment(lp=LP, initiative=i, category=c, department=d) for i, c, d in _ASSIGNMENTS
        ),
        departments=tuple(Department(code=c, name=n, parent=p, emails=(e,)) for c, n, p, e in _DEPARTMENTS),
        known_projects=tuple(
            KnownProject(
                code=code,
                initiative=i,
                name=n,
                department=reporter,
                owner="" if shown == names[reporter] else shown,
                budget_item=budget,
            )
            for i, n, shown, reporter, code, budget in _PROJECTS
        ),
    )


_EVALUATIONS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "D110": (
        (
            "1-1-1",
            "地域コミュニティの充実",
            "令和元年６月２９日に所沢地区で地域づくり協議会が設立される等、各地区において地域の主体的"
            "な活動につながる仕組みづくりが推進された。\n"
            "　また、まちづくりセンターでは、所沢市社会福祉協議会のコミュニティソーシャルワーカーと連携"
            "した福祉相談窓口の開設や、令和元年度に設置した血圧計を利用した健康セミナーを保健センターと"
            "連携して開催するなど、地域の身近な施設であることを活かした横断的な取組を進めた。",
        ),
    ),
    "D210": (
        (
            "1-2-2",
            "身近な地域に広がるネットワークづくり",
            "民生委員・児童委員については、全国的に担い手不足が生じている状況の中、まちづくりセンターや"
            "各地区推薦会等との連携により改選事務を進め、令和元年12月の一斉改選で473人を委嘱した。市全"
            "体では19名が欠員となっているが、委員を対象に実施したアンケート調査を分析し、制度の周知啓発、"
            "活動環境の整備を図り、欠員の解消に向けて、引き続き取り組んでいく。",
        ),
    ),
    "D220": (
        (
            "1-4-2",
            "住み慣れた自宅や地域で暮らし続けるための取り組みの推進・地域の課題を解決するための体制づくり",
            "高齢者になっても住み慣れた地域で暮らし続けるための仕組みである、地域包括ケアシステムの深"
            "化・推進にあたって、令和元年度から各地域包括支援センターに新たに認知症地域支援推進員を配置"
            "したほか、生活支援コーディネーターを引き続き配置し、各地域における認知症ケアの向上、生活支援"
            "体制の整備について一層の充実を図った。",
        ),
    ),
    "D310": (
        (
            "2-1-3",
            "地域における子育て支援の充実",
            "子育て支援の取組としては、地域コミュニティの中心的な担い手である自治会等が設置、管理する"
            "子ども広場に係る整備費用を補助し、子どもが安全に利用できる環境づくりを支援した。ソフト面で"
            "は、ファミリー・サポート・センター事業において、利用会員や利用件数が増加しており、地域におい"
            "て支え合いの仕組みが浸透してきているものと考えられる。",
        ),
    ),
    "D410": (
        (
            "3-1-1",
            "主体的な健康づくりの推進",
            "保健分野では、地区担当制により各地区の健康課題を把握し、関係機関や市民団体の協力を得て事"
            "業を実施するなど、地区の特性に応じた地区保健活動を実施した。",
        ),
    ),
}

SUMMARY = (
    "絆を紡ぐまちづくりを進める上では、各地域の特性に合わせた施策を展開することや支え合うこと"
    "ができるつながりが重要となることから、地域コミュニティの土台となる地域づくり協議会等ととも"
    "に、各分野における取組を推進することが必要である。上記の取組を通して、「地域でできることは地"
    "域で解決する」ための仕組みづくりは徐々に広がっており、子どもから高齢者など市民の誰もが、地域"
    "のことを「他人事」ではなく「我が事」と考え支え合う、絆を紡ぐまちの実現に向けて、一歩ずつ進ん"
    "でいるものと総合的に評価している。"
)

POLICY_INTRO = (
    "　令和元年度より引き続き、絆を紡ぐまちの実現に向けて、子どもから高齢者、障害者まで誰もが、"
    "「人と人との絆」を実感できる社会の実現に向け下記の取組等を進めていく。なお、新型コロナウイル"
    "ス感染症の感染拡大等の影響により、地域交流の機会が減少していることから、「新たな生活様式」に"
    "則った「絆を紡ぐまちづくり」の進め方について、地域と共に探っていく。"
)

_POLICIES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "D110": (
        (
            "1-1-1",
            "地域づくり協議会の活動及び設立の支援",
            "地域づくり協議会の活動や設立を支援することを通して、「地域でできることは地域で解決する」た"
            "めの地域にふさわしい仕組みづくりを進め、自治会・町内会をはじめとする地域ネットワークの強化"
            "を図る。また、各地区の特性に応じた自主的な活動を促進するための方向性を明示するため、関係機関"
            "などとの連携や調整に努める。",
        ),
        (
            "1-1-1",
            "まちづくりセンターのあり方の検討",
            "まちづくりセンター開設後10年の節目を迎えることから、これまでの経過を検証し、地域づくりを"
            "支援するための拠点施設として、地域の自立化及び活性化を見据えながら、今後の更なる充実を図る。\n"
            "また、包括的支援への取組として、福祉や保健の分野に関する取組について、関係課と連携を進める。",
        ),
    ),
    "D210": (
        (
            "1-2-2",
            "地域での見守り・支え合いの体制づくり",
            "所沢市地域福祉推進委員会及び庁内地域福祉推進連絡会議において素案等を検討し、第３次所沢市"
            "地域福祉計画の策定を行う。策定にあたっては、成年後見制度利用促進計画を包含して整備していく"
            "ため、所沢市成年後見制度推進検討委員会に併せて協議を行っていくものする。\n"
            "また、地域福祉の推進を図ることを目的とする所沢市社会福祉協議会の運営を引き続き支援していく"
            "とともに、民生委員・児童委員については活動の負担軽減に向けた環境整備を行うよう努める。",
        ),
    ),
    "D220": (
        (
            "1-4-2",
            "認知症施策の推進",
            "認知症地域支援推進員を中心に認知症の方やその家族に対して効果的な支援が行われる体制を構築"
            "するとともに、地域の実情に応じて、認知症ケアの向上を図るための取組を推進していく。",
        ),
        (
            "1-4-2",
            "在宅医療・介護連携の推進",
            "所沢市医療介護連携支援センターと地域包括支援センターとともに、引き続き円滑な連携推進を図る。",
        ),
        (
            "1-4-2",
            "生活支援体制の整備",
            "第１層及び第２層生活支援コーディネーターを中心に地域課題・資源の把握や共有を行うとともに、"
            "解決策の検討を行うことのできる体制の充実を図る。また、地域に不足する資源を補うためのサービ"
            "スの創出や支え合い活動等の取組についても促進していく。",
        ),
        (
            "1-4-3",
            "介護予防・生活支援サービスの提供",
            "高齢者が安心して生活できるよう、サービスの安定した提供体制の維持に引き続き努めていく。",
        ),
        (
            "1-4-3",
            "地域包括支援センターの運営",
            "今後も地域包括ケアの推進に向けた中核的な機関として、さらに効果的かつ安定的な運営を目指し"
            "ていく。",
        ),
    ),
}

_SDGS: dict[str, tuple[int, ...]] = {
    "D110": (11, 17),
    "D112": (11,),
    "D210": (3, 10, 11),
    "D220": (3, 11),
    "D310": (4, 11),
    "D320": (11,),
    "D410": (3,),
}


def sample_submissions(master: Master | None = None) -> list[Submission]:
    """What each department of the sample round returns: the seed's own content."""
    master = master or sample_master()
    lead = master.leading_project(LP).lead_department
    category = {a.initiative: a.category for a in master.assignments}
    out: list[Submission] = []
    for dept in master.participating_departments():
        projects = tuple(
            ProjectEntry(initiative=i, category=category[i], name=n, department=shown)
            for i, n, shown, reporter, _code, _budget in _PROJECTS
            if reporter == dept.code
        )
        entry = LpEntry(
            lp=LP,
            projects=projects,
            evaluations=tuple(
                Paragraph(initiative=i, heading=h, body=b) for i, h, b in _EVALUATIONS.get(dept.code, ())
            ),
            policies=tuple(
                Paragraph(initiative=i, heading=h, body=b) for i, h, b in _POLICIES.get(dept.code, ())
            ),
            summary=SUMMARY if dept.code == lead else "",
            policy_intro=POLICY_INTRO if dept.code == lead else "",
            sdgs=_SDGS.get(dept.code, ()),
        )
        out.append(
            Submission(department=dept.code, round_id=master.settings.round_id, form_version="", lps=(entry,))
        )
    return out
