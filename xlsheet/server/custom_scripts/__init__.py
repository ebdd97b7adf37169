"""xlwings Server custom scripts: one per ribbon button, each a call into `xlsheet.ribbon`.

xlwings Server imports this package as the top-level module ``custom_scripts`` (the project
folder, xlsheet/server, is put on sys.path). Excel posts the workbook as JSON to
``/xlwings/custom-scripts-call/<name>``; the server turns it into ``xw.Book(json=...)`` and
sends back the actions these scripts queue (values, colours, a new sheet, a message box).
"""

import xlwings as xw
from xlwings.server import script

from xlsheet import ribbon


@script
def xlsheet_generate(book: xw.Book):
    ribbon.generate(book)


@script
def xlsheet_collect(book: xw.Book):
    ribbon.collect(book)


@script
def xlsheet_decide(book: xw.Book):
    ribbon.decide(book)


@script
def xlsheet_review(book: xw.Book):
    ribbon.review(book)


@script
def xlsheet_merge(book: xw.Book):
    ribbon.merge(book)


@script
def xlsheet_publish(book: xw.Book):
    ribbon.publish(book)


@script
def xlsheet_status(book: xw.Book):
    ribbon.status(book)


@script
def xlsheet_check(book: xw.Book):
    ribbon.check(book)
