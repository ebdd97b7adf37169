"""The mail subcommands (`send`, `remind`, `feedback`, `fetch`), registered on `xlsheet.cli.main`."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path

import click

from ..paths import RoundPaths
from ..termout import err as err_console
from ..termout import out as console
from .compose import DEFAULT_SIZE_LIMIT
from .send import Delivery, MailError, SmtpConfig, parse_hostport

ROUND_DIR = click.argument("round_dir", type=click.Path(file_okay=False, path_type=Path), default=".")


def _mail_errors(fn: Callable) -> Callable:
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except MailError as exc:
            err_console.say("[bold red]エラー:[/] {}", exc)
            sys.exit(2)

    return wrapper


def _password(password: str | None, password_env: str | None) -> str | None:
    if password is not None:
        return password
    if password_env:
        value = os.environ.get(password_env)
        if value is None:
            raise MailError(
                f"環境変数 {password_env} が設定されていません（パスワードをそこに入れてください）"
            )
        return value
    return None


def smtp_options(fn: Callable) -> Callable:
    """--smtp HOST:PORT [--starttls|--ssl] [--user U --password-env VAR|--password P], --max-size, --only."""
    for opt in reversed(
        [
            click.option(
                "--smtp", "smtp", metavar="HOST:PORT", help="下書きではなくこの SMTP サーバーで送信する"
            ),
            click.option("--starttls", is_flag=True, help="SMTP で STARTTLS を使う"),
            click.option("--ssl", "use_ssl", is_flag=True, help="SMTP over SSL（ポート 465 など）"),
            click.option("--user", help="SMTP のユーザー名（認証するとき）"),
            click.option(
                "--password-env",
                metavar="VAR",
                default="XLSHEET_SMTP_PASSWORD",
                show_default=True,
                help="SMTP パスワードを入れた環境変数",
            ),
            click.option("--password", help="SMTP パスワード（履歴に残るので --password-env を勧めます）"),
            click.option(
                "--max-size",
                type=float,
                default=DEFAULT_SIZE_LIMIT / 1024 / 1024,
                show_default=True,
                metavar="MB",
                help="メール1通の大きさの上限（MB）。超えると警告。0 で確認しない",
            ),
            click.option(
                "--only", multiple=True, metavar="CODE", help="この所属コードだけ（繰り返し指定可）"
            ),
        ]
    ):
        fn = opt(fn)
    return fn


def _smtp_config(smtp, starttls, use_ssl, user, password_env, password) -> SmtpConfig | None:
    if not smtp:
        if starttls or use_ssl or user:
            raise MailError("--starttls / --ssl / --user は --smtp HOST:PORT と一緒に指定してください")
        return None
    if starttls and use_ssl:
        raise MailError("--starttls と --ssl は同時に指定できません（どちらか一方にしてください）")
    host, port = parse_hostport(smtp, 465 if use_ssl else 25)
    pw = _password(password, password_env if user else None)
    if user and pw is None:
        raise MailError("--user を指定したときはパスワードも必要です（--password-env VAR または --password）")
    return SmtpConfig(host, port, starttls=starttls, ssl=use_ssl, user=user, password=pw)


def _report(result: Delivery, smtp: SmtpConfig | None, what: str, folder: Path) -> None:
    for m in result.mails:
        to = "、".join(m.to)
        state = m.state.ja
        console.say(
            "  {} {} {} → {}  ({} KB) {}",
            state,
            m.department,
            m.name,
            to,
            f"{m.size / 1024:.0f}",
            m.path.name,
        )
    for p in result.problems:
        err_console.say("[yellow]注意:[/] {}", p)
    if result.skipped:
        console.say(
            "送付済みで入力ブックに変更のない {} 所属には送っていません（もう一度送るには --all）: {}",
            len(result.skipped),
            "、".join(line.split(":", 1)[0] for line in result.skipped),
        )
    ok = [m for m in result.mails if not m.error]
    if smtp:
        console.say("{}を {} 通送信しました（{}:{}）。控え: {}", what, len(ok), smtp.host, smtp.port, folder)
    else:
        console.say("{}の下書きを {} 通作りました: {}", what, len(ok), folder)
        if ok:
            console.say("  .eml を Outlook で開くと下書きとして開きます。内容を確かめて送信してください。")
    if result.failed:
        sys.exit(1)


@click.command(
    help="所属ごとの依頼メール（入力ブック添付）を outbox/mail/ に下書きとして作るか、SMTP で送ります。"
)
@ROUND_DIR
@smtp_options
@click.option("--all", "resend", is_flag=True, help="送付済みで変更のない入力ブックも、もう一度送る")
@_mail_errors
def send(round_dir, smtp, starttls, use_ssl, user, password_env, password, max_size, only, resend) -> None:
    from .send import send_round

    cfg = _smtp_config(smtp, starttls, use_ssl, user, password_env, password)
    result = send_round(round_dir, cfg, int(max_size * 1024 * 1024), list(only) or None, resend=resend)
    _report(result, cfg, "依頼メール", RoundPaths(round_dir).mail_outbox)


@click.command(
    help="まだ受理できる提出がない所属への催促メールを outbox/mail/reminders/ に作ります（--smtp で送信）。"
)
@ROUND_DIR
@smtp_options
@_mail_errors
def remind(round_dir, smtp, starttls, use_ssl, user, password_env, password, max_size, only) -> None:
    from .followup import remind_round

    cfg = _smtp_config(smtp, starttls, use_ssl, user, password_env, password)
    result = remind_round(round_dir, cfg, int(max_size * 1024 * 1024), list(only) or None)
    if not result.mails and not result.problems:
        console.say("催促が必要な所属はありません（すべて受理済みです）。")
        return
    _report(result, cfg, "催促メール", RoundPaths(round_dir).mail_outbox / "reminders")


@click.command(help="直す点がある所属への返信（返却ブック添付・直す点の一覧）を作ります。--mail が必要です。")
@ROUND_DIR
@click.option(
    "--mail", "as_mail", is_flag=True, help="返信メールを outbox/mail/feedback/ に作る（--smtp で送信）"
)
@smtp_options
@_mail_errors
def feedback(
    round_dir, as_mail, smtp, starttls, use_ssl, user, password_env, password, max_size, only
) -> None:
    from .followup import feedback_round

    if not as_mail:
        raise MailError(
            "返却ブックは `xlsheet collect` が feedback/ に作ります。メールにするには --mail を付けてください"
        )
    from ..review.steps import review_feedback_round

    cfg = _smtp_config(smtp, starttls, use_ssl, user, password_env, password)
    result = feedback_round(round_dir, cfg, int(max_size * 1024 * 1024), list(only) or None)
    reviews = review_feedback_round(round_dir, cfg, int(max_size * 1024 * 1024), list(only) or None)
    if not result.mails and not result.problems and not reviews.mails and not reviews.problems:
        console.say("直す点がある所属はありません。")
        return
    if result.mails or result.problems:
        _report(result, cfg, "修正依頼の返信", RoundPaths(round_dir).mail_outbox / "feedback")
    if reviews.mails or reviews.problems:
        _report(
            reviews, cfg, "確認ブックの修正依頼", RoundPaths(round_dir).mail_outbox / "feedback" / "review"
        )


@click.command(
    help="IMAP サーバーのフォルダから新しいメールを inbox/ に .eml として取り込みます（既読にしません）。"
)
@ROUND_DIR
@click.option("--imap", "imap", required=True, metavar="HOST:PORT", help="IMAP サーバー")
@click.option("--user", required=True, help="IMAP のユーザー名")
@click.option(
    "--password-env",
    metavar="VAR",
    default="XLSHEET_IMAP_PASSWORD",
    show_default=True,
    help="パスワードを入れた環境変数",
)
@click.option("--password", help="IMAP パスワード（履歴に残るので --password-env を勧めます）")
@click.option("--folder", default="INBOX", show_default=True, help="取り込むフォルダ（日本語名も可）")
@click.option("--starttls", is_flag=True, help="STARTTLS を使う")
@click.option("--ssl", "use_ssl", is_flag=True, help="IMAP over SSL（ポート 993 など）")
@_mail_errors
def fetch(round_dir, imap, user, password_env, password, folder, starttls, use_ssl) -> None:
    from .fetch import ImapConfig, fetch_imap

    if starttls and use_ssl:
        raise MailError("--starttls と --ssl は同時に指定できません（どちらか一方にしてください）")
    host, port = parse_hostport(imap, 993 if use_ssl else 143)
    pw = _password(password, password_env)
    cfg = ImapConfig(host, port, user, pw or "", folder, starttls=starttls, ssl=use_ssl)
    result = fetch_imap(round_dir, cfg)
    for f in result.fetched:
        console.say("  UID {}: {}「{}」→ {}", f.uid, f.sender, f.subject, f.path.name)
    if result.fetched:
        console.say("{} 件のメールを取り込みました: {}", len(result.fetched), RoundPaths(round_dir).inbox)
        console.say("  `xlsheet collect` で検査・回収してください。")
    else:
        console.say("新しいメールはありません（取り込み済み {} 件）。", result.already)


COMMANDS = (send, remind, feedback, fetch)
