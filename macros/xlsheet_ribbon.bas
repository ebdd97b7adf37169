Attribute VB_Name = "XlsheetRibbon"
' xlsheet ribbon callbacks: one per button of macros/customUI14.xml.
' Written by `xlsheet addin macros` from xlsheet.ribbon.BUTTONS; edit there.
' Import once into the add-in in Excel (VBA editor: File > Import, or `xlwings vba import`),
' save, then run `xlsheet addin build OUT.xlam --from THAT.xlam` for one button per step.
Option Explicit

Public Sub OnGenerate(control As IRibbonControl)
    RunPython "import xlsheet.ribbon; xlsheet.ribbon.run_caller('generate')"
End Sub

Public Sub OnCollect(control As IRibbonControl)
    RunPython "import xlsheet.ribbon; xlsheet.ribbon.run_caller('collect')"
End Sub

Public Sub OnDecide(control As IRibbonControl)
    RunPython "import xlsheet.ribbon; xlsheet.ribbon.run_caller('decide')"
End Sub

Public Sub OnReview(control As IRibbonControl)
    RunPython "import xlsheet.ribbon; xlsheet.ribbon.run_caller('review')"
End Sub

Public Sub OnMerge(control As IRibbonControl)
    RunPython "import xlsheet.ribbon; xlsheet.ribbon.run_caller('merge')"
End Sub

Public Sub OnPublish(control As IRibbonControl)
    RunPython "import xlsheet.ribbon; xlsheet.ribbon.run_caller('publish')"
End Sub

Public Sub OnStatus(control As IRibbonControl)
    RunPython "import xlsheet.ribbon; xlsheet.ribbon.run_caller('status')"
End Sub

Public Sub OnCheck(control As IRibbonControl)
    RunPython "import xlsheet.ribbon; xlsheet.ribbon.run_caller('check')"
End Sub
