// Searchable pickers (templates/django/forms/widgets/picker.html): the search box asks the
// server for the options matching what is typed (htmx fills .picker-options); choosing one puts
// it in the hidden <select> the form posts, with a removable chip when several may be chosen.
(function () {
  "use strict";

  function parts(element) {
    const picker = element.closest(".picker");
    return {
      picker: picker,
      select: picker.querySelector("select.picker-value"),
      search: picker.querySelector(".picker-search"),
      options: picker.querySelector(".picker-options"),
      chosen: picker.querySelector(".picker-chosen"),
    };
  }

  function close(p) {
    p.options.replaceChildren();
    p.search.setAttribute("aria-expanded", "false");
  }

  function chip(p, value, label) {
    const item = document.createElement("li");
    item.className = "picker-chip";
    item.dataset.value = value;
    const name = document.createElement("span");
    name.textContent = label;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "btn-close picker-remove";
    remove.setAttribute("aria-label", p.picker.dataset.removeLabel + " " + label);
    item.append(name, remove);
    return item;
  }

  function choose(option) {
    const p = parts(option);
    const value = option.dataset.value;
    const label = option.dataset.label;
    if (p.select.multiple) {
      if (!Array.from(p.select.options).some((o) => o.value === value)) {
        p.select.add(new Option(label, value, true, true));
        p.chosen.append(chip(p, value, label));
      }
      p.search.value = "";
    } else {
      p.select.replaceChildren(new Option(label, value, true, true));
      p.search.value = label;
    }
    p.select.dispatchEvent(new Event("change", { bubbles: true }));
    if (!p.select.multiple) {
      // A late answer to what was typed before the choice must not reopen the list.
      p.picker.dataset.settled = "1";
      htmx.trigger(p.search, "htmx:abort");
    }
    close(p);
    // Several may be chosen: back to the box for the next one, the list closed (left open, it
    // would cover what follows, the form's button for one); typing lists them again.
    if (p.select.multiple) {
      p.picker.dataset.quiet = "1";
      p.search.focus();
    }
  }

  document.addEventListener("click", (event) => {
    const option = event.target.closest(".picker-option");
    if (option) {
      choose(option);
      return;
    }
    const remove = event.target.closest(".picker-remove");
    if (remove) {
      const item = remove.closest(".picker-chip");
      const p = parts(item);
      Array.from(p.select.options)
        .filter((o) => o.value === item.dataset.value)
        .forEach((o) => o.remove());
      item.remove();
      p.search.focus();
      return;
    }
    document.querySelectorAll(".picker").forEach((picker) => {
      if (!picker.contains(event.target)) close(parts(picker));
    });
  });

  document.addEventListener("input", (event) => {
    if (!event.target.matches(".picker-search")) return;
    const p = parts(event.target);
    delete p.picker.dataset.settled;
    delete p.picker.dataset.quiet;
    // Emptying a single picker's box clears its choice.
    if (!p.select.multiple && event.target.value.trim() === "") p.select.replaceChildren();
  });

  document.addEventListener("keydown", (event) => {
    const inPicker = event.target.closest && event.target.closest(".picker");
    if (!inPicker) return;
    const p = parts(event.target);
    const items = Array.from(p.options.querySelectorAll(".picker-option"));
    const at = items.indexOf(document.activeElement);
    if (event.key === "Escape") {
      close(p);
      p.search.focus();
    } else if (event.key === "ArrowDown" && items.length) {
      event.preventDefault();
      items[Math.min(at + 1, items.length - 1)].focus();
    } else if (event.key === "ArrowUp" && at >= 0) {
      event.preventDefault();
      (at === 0 ? p.search : items[at - 1]).focus();
    } else if (event.key === "Enter" && event.target === p.search) {
      // Enter in the box chooses the first match rather than submitting the form.
      event.preventDefault();
      if (items.length) choose(items[0]);
    }
  });

  // A picker searching within another field's choice (hx-include, e.g. a contact within the
  // chosen organization) is emptied when that choice changes: its choice may not belong there.
  document.addEventListener("change", (event) => {
    if (!event.target.matches("select.picker-value") || !event.target.id) return;
    document.querySelectorAll(".picker-search[hx-include]").forEach((search) => {
      if (search.getAttribute("hx-include") !== "#" + event.target.id) return;
      const p = parts(search);
      if (p.select.multiple) {
        p.select.replaceChildren();
        if (p.chosen) p.chosen.replaceChildren();
      } else if (p.select.options.length) {
        p.select.replaceChildren();
        search.value = "";
      }
      close(p);
    });
  });

  // The box has no name (it is not part of the form): send what is typed as ?q=.
  document.addEventListener("htmx:configRequest", (event) => {
    if (event.detail.elt.matches(".picker-search")) {
      event.detail.parameters.q = event.detail.elt.value;
    }
  });

  document.addEventListener("htmx:beforeSwap", (event) => {
    if (!event.target.matches(".picker-options")) return;
    const picker = event.target.closest(".picker");
    if (picker.dataset.settled) event.detail.shouldSwap = false;
    // The list asked for by focusing the box again after a choice: not shown.
    if (picker.dataset.quiet) {
      delete picker.dataset.quiet;
      event.detail.shouldSwap = false;
    }
  });

  document.addEventListener("htmx:afterSwap", (event) => {
    if (!event.target.matches(".picker-options")) return;
    const p = parts(event.target);
    p.search.setAttribute("aria-expanded", p.options.children.length ? "true" : "false");
  });
})();
