// Leerspoor 1.0: small enhancements; every page works without them.
//
// A form or button with data-confirm asks before it is sent (removing evidence, making a
// visit report final and declining a suggestion cannot be undone).
//
// A file input with data-max-bytes refuses a larger file before the form is sent, so a
// phone does not upload 50 MB on mobile data only to be told no. The server checks
// again; this only saves the wait. The message (data-too-large) is the server's own.
"use strict";

function fileTooLarge(input) {
  const limit = Number(input.dataset.maxBytes);
  return Array.from(input.files || []).some((file) => file.size > limit);
}

function showFileError(input, message) {
  const field = input.closest(".field");
  const id = `${input.id}-error`;
  let error = document.getElementById(id);
  if (!message) {
    if (error) error.remove();
    field?.classList.remove("has-error");
    input.removeAttribute("aria-invalid");
    return;
  }
  if (!error) {
    error = document.createElement("p");
    error.className = "error";
    error.id = id;
    error.setAttribute("role", "alert");
    (field || input.parentElement).append(error);  // where the server puts its errors
    const described = (input.getAttribute("aria-describedby") || "").split(" ");
    if (!described.includes(id)) {
      input.setAttribute("aria-describedby", [...described, id].join(" ").trim());
    }
  }
  error.textContent = message;
  field?.classList.add("has-error");
  input.setAttribute("aria-invalid", "true");
}

document.addEventListener("change", (event) => {
  const input = event.target;
  if (input instanceof HTMLInputElement && input.dataset.maxBytes) {
    showFileError(input, fileTooLarge(input) ? input.dataset.tooLarge : "");
  }
});

document.addEventListener("submit", (event) => {
  // The button pressed may ask on its own (one of several in a form).
  const question = event.submitter?.dataset.confirm || event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  for (const input of event.target.querySelectorAll("input[type=file][data-max-bytes]")) {
    if (fileTooLarge(input)) {
      event.preventDefault();
      showFileError(input, input.dataset.tooLarge);
      input.focus();
    }
  }
});
