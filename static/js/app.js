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
