// romvault's own JavaScript. Loaded with `defer` before Alpine, so the components below are
// registered when Alpine starts. Kept out of the HTML so a Content Security Policy can forbid
// inline scripts; attributes only name these components and their methods.
document.addEventListener("alpine:init", () => {
  // Screenshots: thumbnails are links to the full image (works without JavaScript); with it,
  // they open a full-screen overlay. Esc, a click or the close button closes it; arrows page.
  window.Alpine.data("lightbox", () => ({
    open: false,
    index: 0,
    src: "",
    alt: "",
    opener: null,
    get links() {
      return Array.from(this.$root.querySelectorAll("[data-full]"));
    },
    show(event) {
      const link = event.currentTarget;
      this.opener = link;
      this.go(this.links.indexOf(link));
      this.open = true;
      this.$nextTick(() => this.$refs.close.focus());
    },
    go(index) {
      const links = this.links;
      this.index = (index + links.length) % links.length;
      this.src = links[this.index].dataset.full;
      this.alt = links[this.index].querySelector("img").alt;
    },
    next() {
      if (this.open) this.go(this.index + 1);
    },
    previous() {
      if (this.open) this.go(this.index - 1);
    },
    close() {
      if (!this.open) return;
      this.open = false;
      if (this.opener) this.opener.focus();
    },
    trap(event) {
      // One focusable control in the dialog: keep Tab on it.
      event.preventDefault();
      this.$refs.close.focus();
    },
  }));

  // The catalogue's search box as a combobox (WAI-ARIA APG pattern, list autocomplete): htmx
  // fills the listbox with the games found as you type (catalog:suggest), this moves the
  // highlight. Focus stays in the box; aria-activedescendant names the highlighted game. Enter
  // opens it, or with none highlighted submits the form as it does without JavaScript.
  window.Alpine.data("suggestions", () => ({
    open: false, // typing in the box; Esc, Enter and leaving the box close the list
    expanded: false,
    active: -1,
    activeId: null,
    get options() {
      return Array.from(this.$refs.listbox.querySelectorAll('[role="option"]'));
    },
    typed() {
      this.open = true;
      this.highlight(-1);
    },
    fresh(event) {
      // hx-sync aborts a request when a newer one starts, but one already answered may still
      // arrive after its successor started: show only the answer for what the box holds now.
      // The login page, where the request ends once the session has expired, has no q: the
      // same test keeps it out of the list.
      const answered = new URL(event.detail.xhr.responseURL);
      const query = (answered.searchParams.get("q") ?? "").trim();
      if (query !== this.$refs.input.value.trim()) event.detail.shouldSwap = false;
    },
    update() {
      this.highlight(-1);
      this.expanded = this.open && this.options.length > 0;
    },
    highlight(index) {
      const options = this.options;
      this.active = index;
      options.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
      this.activeId = index >= 0 ? options[index].id : null;
      if (index >= 0) options[index].scrollIntoView({ block: "nearest" });
    },
    move(step) {
      const count = this.options.length;
      this.open = this.expanded = true;
      // Positions -1 (the box itself) to count - 1, round in a circle: Down from the box is
      // the first game, Up the last.
      this.highlight(((this.active + 1 + step + count + 1) % (count + 1)) - 1);
    },
    close() {
      this.open = this.expanded = false;
      this.highlight(-1);
    },
    key(event) {
      if (event.isComposing) return;
      if ((event.key === "ArrowDown" || event.key === "ArrowUp") && this.options.length) {
        event.preventDefault();
        this.move(event.key === "ArrowDown" ? 1 : -1);
      } else if (event.key === "Enter") {
        const option = this.expanded ? this.options[this.active] : null;
        if (option) {
          event.preventDefault();
          window.location.assign(option.href);
        } else {
          this.close(); // and the form is submitted
        }
      } else if (event.key === "Escape" && this.expanded) {
        event.preventDefault(); // a search box's own Escape would also clear the text
        this.close();
      }
    },
    leave(event) {
      if (!this.$root.contains(event.relatedTarget)) this.close();
    },
    hold(event) {
      // A click on a game keeps the focus in the box: the list stays open until it lands.
      event.preventDefault();
    },
  }));
});

// The filters sit in a <details> so that small screens can fold them away without JavaScript;
// on a wide screen, where they have their own column, open them.
for (const details of document.querySelectorAll("details[data-open-wide]")) {
  if (window.matchMedia("(min-width: 64rem)").matches) details.open = true;
}

// A failed htmx request (an error page, or no answer at all) swaps nothing: htmx leaves the page
// as it was, which alone looks like a click that did nothing. Say what happened, with the error
// page's own heading and message (templates/_error.html), in the banner of base.html.
const requestError = document.getElementById("request-error");

function showRequestError(title, detail) {
  if (!requestError) return;
  requestError.querySelector("[data-error-title]").textContent = title;
  requestError.querySelector("[data-error-detail]").textContent = detail;
  requestError.hidden = false;
}

if (requestError) {
  requestError.querySelector("[data-error-dismiss]").addEventListener("click", () => {
    requestError.hidden = true;
  });
}

document.addEventListener("htmx:responseError", (event) => {
  const xhr = event.detail.xhr;
  // DOMParser runs no scripts and loads nothing: it only reads the page's text.
  const page = new DOMParser().parseFromString(xhr.responseText, "text/html");
  const title = page.getElementById("error-heading")?.textContent.trim();
  const message = page.getElementById("error-message")?.textContent.trim().replace(/\s+/g, " ");
  showRequestError(
    title || `The server answered with error ${xhr.status}`,
    `${message ? message + " " : ""}This page was not updated.`,
  );
});

document.addEventListener("htmx:sendError", () => {
  showRequestError(
    "No answer from the server",
    "Check your connection and try again. This page was not updated.",
  );
});

document.addEventListener("htmx:afterRequest", (event) => {
  if (requestError && event.detail.successful) requestError.hidden = true;
});

// Sorting: a new sort starts in its own direction (years newest first, titles A to Z), and the
// direction's labels say what it means for that sort. "input" comes before the "change" that
// submits the form, so the request carries the new direction.
for (const sort of document.querySelectorAll("select[data-sort]")) {
  sort.addEventListener("input", () => {
    const direction = sort.form.elements.dir;
    const chosen = sort.selectedOptions[0];
    if (!direction || !chosen) return;
    for (const option of direction.options) option.text = chosen.dataset[option.value];
    direction.value = chosen.dataset.default;
  });
}

// "/" focuses the search box, as on many sites, unless the user is typing somewhere or playing
// (the player's keys go to the game while it has focus).
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target.isContentEditable || target.closest("input, textarea, select, #player")) return;
  const search = document.querySelector("[data-search-shortcut]");
  if (!search) return;
  event.preventDefault();
  search.focus();
  search.select();
});

// The account menu: a <details> folded into a button on a phone, its links in the header's row
// on a wider screen (kept open there, also when the window is resized). A click elsewhere or Esc
// folds it on a phone.
const wide = window.matchMedia("(min-width: 40rem)");
for (const menu of document.querySelectorAll("details[data-menu]")) {
  const fit = () => {
    menu.open = wide.matches;
  };
  fit();
  wide.addEventListener("change", fit);
  document.addEventListener("click", (event) => {
    if (!wide.matches && menu.open && !menu.contains(event.target)) menu.open = false;
  });
  menu.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !wide.matches && menu.open) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
}
