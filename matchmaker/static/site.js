// Behaviour that would otherwise sit in inline event attributes, which the
// Content-Security-Policy forbids: print buttons and selects that submit their form.
document.addEventListener("click", function (e) {
  if (e.target.closest("[data-print]")) { window.print(); }
});
document.addEventListener("change", function (e) {
  if (e.target.matches("select[data-autosubmit]")) { e.target.form.submit(); }
});
