// Admin export page (templates/admin/import_export/export.html): the « Tout sélectionner » checkbox, bound here
// because the CSP refuses inline handlers. onSelectToggleChange comes from django-import-export's own script.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".select-toggle").forEach((toggle) => {
    toggle.addEventListener("change", (event) => window.onSelectToggleChange(event));
  });
});
