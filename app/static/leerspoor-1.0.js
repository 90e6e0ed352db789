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

// A form with data-autosave (the weekly log and other log entries, a visit report, a
// goal) is saved as a draft on the server a few seconds after the person stops typing,
// so a closed tab or a dead battery loses at most those seconds. The page offers the
// draft when it is opened again (app/drafts). A line under the form says when it was
// saved, read out by screen readers without moving the focus.
const AUTOSAVE_DELAY_MS = 3000;
const autosaveTimers = new WeakMap();

function autosaveStatus(form) {
  let status = form.querySelector(".draft-status");
  if (!status) {
    status = document.createElement("p");
    status.className = "draft-status";
    status.setAttribute("aria-live", "polite");
    // Under the buttons, where the eye goes before saving (in a sticky bar: always seen).
    (form.querySelector(".form-actions") || form).append(status);
  }
  return status;
}

async function autosave(form) {
  autosaveTimers.delete(form);
  if (form.dataset.sending) return;
  const fields = new FormData(form);
  for (const input of form.querySelectorAll("input[type=file], input[type=password]")) {
    fields.delete(input.name);
  }
  const status = autosaveStatus(form);
  try {
    const response = await fetch(form.dataset.autosave, {
      method: "POST",
      body: fields,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    const json = (response.headers.get("Content-Type") || "").includes("json");
    const answer = response.ok && json ? await response.json() : null;
    if (answer === null) {
      status.textContent = form.dataset.autosaveFailed;
    } else if (answer.message) {
      status.textContent = answer.message;
    }
  } catch {
    status.textContent = form.dataset.autosaveFailed;
  }
}

document.addEventListener("input", (event) => {
  const form = event.target.form;
  if (!form || !form.dataset.autosave || event.target.type === "file") return;
  autosaveStatus(form);
  clearTimeout(autosaveTimers.get(form));
  autosaveTimers.set(form, setTimeout(() => autosave(form), AUTOSAVE_DELAY_MS));
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.dataset.autosave || event.defaultPrevented) return;
  clearTimeout(autosaveTimers.get(form));  // the form itself is being saved
  form.dataset.sending = "1";
});

// A page shown again from the back-forward cache may autosave again.
window.addEventListener("pageshow", () => {
  for (const form of document.querySelectorAll("form[data-sending]")) {
    delete form.dataset.sending;
  }
});
