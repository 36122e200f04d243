/* zhengming web UI: the little that htmx does not do. No inline scripts (see the CSP). */
"use strict";

// "Use the standard form": put the suggested name into its input and check it again.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-fill]");
  if (!button) {
    return;
  }
  var input = document.querySelector(button.getAttribute("data-fill"));
  if (!input) {
    return;
  }
  input.value = button.getAttribute("data-value");
  input.focus();
  input.dispatchEvent(new Event("input", { bubbles: true }));
});
