// "Print this confirmation": the button is hidden until this script shows it, so a page without
// JavaScript does not offer a button that does nothing (the browser's own Print still works).
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
});
