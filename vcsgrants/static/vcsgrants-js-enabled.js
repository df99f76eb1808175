// Loaded at the top of <body>, before anything is drawn: GOV.UK Frontend's styles for pages with JavaScript.
// A file rather than an inline script, so the Content-Security-Policy needs no 'unsafe-inline'.
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
