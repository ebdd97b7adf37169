// xlsheet: ribbon buttons of the 評価 tab (replaces xlwings Server's own static/js/ribbon.js).
// Each FunctionName of templates/manifest.xml runs one custom script of custom_scripts/:
// xlwings.runPython posts the workbook as JSON to /xlwings/custom-scripts-call/<script>
// and applies the actions that come back (values, colours, a sheet, a message box).
const XLSHEET_RIBBON = {
  "xlsheet-generate": "xlsheet_generate",
  "xlsheet-collect": "xlsheet_collect",
  "xlsheet-decide": "xlsheet_decide",
  "xlsheet-review": "xlsheet_review",
  "xlsheet-merge": "xlsheet_merge",
  "xlsheet-publish": "xlsheet_publish",
  "xlsheet-status": "xlsheet_status",
  "xlsheet-check": "xlsheet_check",
};

function xlsheetRibbonHandler(scriptName) {
  return async function (event) {
    try {
      const authResult =
        typeof globalThis.getAuth === "function"
          ? await globalThis.getAuth()
          : { token: "", provider: "" };
      await xlwings.runPython({
        auth: authResult.token,
        scriptName: scriptName,
        headers: { "Auth-Provider": authResult.provider },
      });
    } finally {
      event.completed();
    }
  };
}

// Associated at load time, as xlwings Server's own ribbon.js does (the page loads office.js first).
for (const [functionName, scriptName] of Object.entries(XLSHEET_RIBBON)) {
  Office.actions.associate(functionName, xlsheetRibbonHandler(scriptName));
}
