// Submit the page's auto-submit form (deep-linking responses to the platform): a file, not an inline
// script, so the Content-Security-Policy can forbid inline scripts.
document.getElementById("ss-deep-link").submit();
