// Posts the signed deep-linking response back to the course at once (first publish only).
document.getElementById("deep-link-return").submit();
