"""The `review` subcommand, registered on `xlsheet.cli.main`."""

from __future__ import annotations

from pathlib import Path

import click

from ..mail.cli import _mail_errors, _report, _smtp_config, smtp_options
from ..paths import require_round
from ..round import Round
from ..termout import err as err_console
from ..termout import out as console


@click.command(
    help="リーディングプロジェクトごとに、主管所属が印刷する内容を決める確認ブックを outbox/review/ に作り、"
    "主管所属への依頼メールを outbox/mail/review/ に下書きとして作ります（--smtp で送信）。"
)
@click.argument("round_dir", type=click.Path(file_okay=False, path_type=Path), default=".")
@smtp_options
@click.option("--no-mail", is_flag=True, help="確認ブックだけ作り、メールは作らない")
@click.option("--all", "resend", is_flag=True, help="変更のない確認ブックのメールも、もう一度作る（送る）")
@_mail_errors
def review(
    round_dir, smtp, starttls, use_ssl, user, password_env, password, max_size, only, no_mail, resend
) -> None:
    from .steps import BOOK_CHANGE_JA, review_round, send_reviews

    paths = require_round(round_dir)
    cfg = _smtp_config(smtp, starttls, use_ssl, user, password_env, password)
    books = review_round(round_dir)
    if only:
        books = [b for b in books if b.lead.code in set(only)]
    for b in books:
        console.say(
            "  {} {}（主管所属 {}）: 事業 {} 件・段落 {} 件{} → {}",
            BOOK_CHANGE_JA[b.change],
            b.lp_name,
            b.lead.name,
            b.projects,
            b.paragraphs,
            "（前の判断を引き継ぎ）" if b.reviewed else "",
            b.path.name,
        )
    console.say("確認ブックを {} 冊作りました: {}", len(books), paths.review_outbox)
    rnd = Round.open(round_dir)
    with rnd.ledger() as ledger:
        waiting = [st.name for st in ledger.status(rnd.master) if not st.done]
    if waiting:
        err_console.say(
            "[yellow]注意:[/] まだ受理していない所属が {} 件あります（{}）。確認ブックはいま受理している回答で作りました。"
            "回答が届いたら `xlsheet collect` の後にもう一度 `xlsheet review` を実行すると、変わった確認ブックだけを作り直します。",
            len(waiting),
            "、".join(waiting),
        )
    if no_mail:
        return
    result = send_reviews(round_dir, books, cfg, int(max_size * 1024 * 1024), resend=resend)
    _report(result, cfg, "確認依頼メール", paths.review_mail_outbox)
    console.say("  返ってきた確認ブックは入力ブックと同じく inbox/ に置いて `xlsheet collect` で回収します。")


COMMANDS = (review,)
