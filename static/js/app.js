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
