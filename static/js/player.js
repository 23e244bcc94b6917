// The player page: js-dos 8 (static/vendor/js-dos/, GPL-2.0), loaded before this module as a
// classic script that defines window.Dos, runs the game file with the dosbox.conf the server
// wrote, and the files the game changes go back to the server as this user's save.
//
// The page gives: <div id="player">, <p id="player-status">, the buttons #player-save,
// #player-fullscreen, #player-swap and #player-exit, and its settings as JSON in
// <script id="player-config" type="application/json"> (see catalog's player view).

const config = JSON.parse(document.getElementById("player-config").textContent);
const statusLine = document.getElementById("player-status");
const buttons = {
  save: document.getElementById("player-save"),
  fullscreen: document.getElementById("player-fullscreen"),
  swap: document.getElementById("player-swap"),
  exit: document.getElementById("player-exit"),
};

// The emulator: js-dos's DOSBox ("dosbox", the files shipped in static/vendor/js-dos/), or
// DOSBox-X ("dosboxX"), which alone can change disks: js-dos's DOSBox has no key mapper, so
// DOSBox's Ctrl+F4 does nothing there, and it answers no mapper event.
const backend = config.backend ?? "dosbox";
const canSwap = backend === "dosboxX" && config.disks > 1;
// Browsers refuse a keepalive request (one that outlives the page) with a body past 64 KiB.
const KEEPALIVE_LIMIT = 60 * 1024;

let dos = null; // what Dos() returns: fullscreen and the like
let ci = null; // js-dos's command interface, once DOS runs
let lastSave = null; // the bytes of the save last loaded or stored: unchanged ones are not sent
let saving = null; // the save under way, so that two never overlap
let swaps = 0;
let exitFailed = false;

function show(text) {
  statusLine.textContent = text;
}

function megabytes(bytes) {
  return (bytes / 1e6).toFixed(1);
}

// The server's own words for a refusal ({"error": "..."}), else the status.
async function failure(response, what) {
  let message = `${what} failed (HTTP ${response.status}).`;
  try {
    message = (await response.json()).error ?? message;
  } catch {
    // not JSON: a proxy's or the server's error page
  }
  return new Error(message);
}

// The game file, read as it arrives so a large one shows its progress. Its URL carries the
// file's version, so the browser may keep it in its cache.
async function loadGame() {
  const response = await fetch(config.fileUrl, { credentials: "same-origin" });
  if (!response.ok) throw await failure(response, "Loading the game");
  const total = Number(response.headers.get("Content-Length")) || 0;
  const reader = response.body.getReader();
  const chunks = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    if (total) show(`Loading the game: ${megabytes(received)} of ${megabytes(total)} MB`);
  }
  const bytes = new Uint8Array(received);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

// This user's save: a zip of the files the game changed, or null before the first save.
async function loadSave() {
  const response = await fetch(config.saveUrl, { credentials: "same-origin" });
  if (response.status === 204) return null;
  if (!response.ok) throw await failure(response, "Loading your save");
  return new Uint8Array(await response.arrayBuffer());
}

// A zip holding one empty file, .jsdos/romvault. js-dos counts as the game's own the files it
// unpacked from the first zip it was given, and saves only files changed after that. A bare
// game file (a program, a disk or CD image) is no zip, so this one comes first instead: without
// it js-dos would take the save for the game's own files, or with no save put the whole disk
// (game file included) into every save. js-dos never puts .jsdos/ into a save.
function markerZip() {
  const name = new TextEncoder().encode(".jsdos/romvault");
  const central = 30 + name.length;
  const end = central + 46 + name.length;
  const zip = new Uint8Array(end + 22);
  const view = new DataView(zip.buffer);
  view.setUint32(0, 0x04034b50, true); // local file header, then version 1.0, all else zero
  view.setUint16(4, 10, true);
  view.setUint16(26, name.length, true);
  zip.set(name, 30);
  view.setUint32(central, 0x02014b50, true); // central directory entry, its file at offset 0
  view.setUint16(central + 4, 10, true);
  view.setUint16(central + 6, 10, true);
  view.setUint16(central + 28, name.length, true);
  zip.set(name, central + 46);
  view.setUint32(end, 0x06054b50, true); // end of central directory: one entry
  view.setUint16(end + 8, 1, true);
  view.setUint16(end + 10, 1, true);
  view.setUint32(end + 12, end - central, true);
  view.setUint32(end + 16, central, true);
  return zip;
}

function sameBytes(a, b) {
  return a !== null && b !== null && a.length === b.length && a.every((byte, i) => byte === b[i]);
}

// Sends the files the game changed, unless they are what the server already has. Leaving the
// page, the request must outlive it (keepalive), which browsers allow for small bodies only.
async function store({ quiet = false } = {}) {
  const changes = await ci.persist(true);
  if (changes === null || sameBytes(changes, lastSave)) {
    if (!quiet) show(lastSave ? "Nothing new to save." : "Nothing to save yet.");
    return;
  }
  if (!quiet) show("Saving…");
  const response = await fetch(config.saveUploadUrl, {
    method: "POST",
    body: changes,
    headers: { "Content-Type": "application/zip", "X-CSRFToken": config.csrfToken },
    credentials: "same-origin",
    keepalive: quiet && changes.length <= KEEPALIVE_LIMIT,
  });
  if (!response.ok) throw await failure(response, "Saving");
  const { saved } = await response.json();
  lastSave = changes;
  show(`Saved at ${new Date(saved).toLocaleTimeString()}.`);
}

function save(options) {
  if (ci === null) return Promise.resolve();
  saving ??= store(options).finally(() => {
    saving = null;
  });
  return saving;
}

function report(error) {
  show(`Not saved: ${error.message}`);
}

function ready(commandInterface) {
  ci = commandInterface;
  window.romvaultPlayer = { ci };
  for (const button of Object.values(buttons)) button.disabled = false;
  show("Running.");
}

async function start() {
  for (const button of [buttons.save, buttons.fullscreen, buttons.swap]) button.disabled = true;
  buttons.swap.hidden = !canSwap;
  show("Loading the game…");
  const [game, saved] = await Promise.all([loadGame(), loadSave()]);
  // Layers in order: a zip game unpacks into the root of drive C:, a bare file lands there
  // under its own name; the save comes last, over the game's files.
  const initFs = config.archive ? [game] : [{ path: config.fileName, contents: game }, markerZip()];
  if (saved !== null) {
    initFs.push(saved);
    lastSave = saved;
  }
  show("Starting DOS…");
  dos = Dos(document.getElementById("player"), {
    dosboxConf: config.conf,
    initFs,
    // The emulator's files come from this site: js-dos's default is its own CDN.
    pathPrefix: config.pathPrefix,
    backend,
    backendLocked: true, // js-dos's settings would offer the other one
    autoStart: true, // the user already chose to play: no second Play button
    mouseCapture: true, // a click locks the pointer to the game (Esc frees it)
    onEvent(event, commandInterface) {
      if (event === "ci-ready") ready(commandInterface);
    },
  });
}

buttons.save.addEventListener("click", () => save().catch(report));
buttons.fullscreen.addEventListener("click", () => dos?.setFullScreen(true));
buttons.swap.addEventListener("click", () => {
  // DOSBox-X's "swap image" mapper event: the next of the images mounted together on a drive.
  ci.sendBackendEvent({ type: "wc-trigger-event", event: "hand_swapimg" });
  swaps += 1;
  show(`Changed disks: disk ${(swaps % config.disks) + 1} of ${config.disks} is in.`);
});
// Exit saves first; if that fails, a second press leaves anyway.
buttons.exit.addEventListener("click", async (event) => {
  event.preventDefault();
  if (ci !== null && !exitFailed) {
    try {
      await save();
    } catch (error) {
      exitFailed = true;
      show(`Not saved: ${error.message} Press Exit again to leave without saving.`);
      return;
    }
  }
  window.location.assign(config.exitUrl);
});
// Hidden: another tab, the phone's home screen, or the page being left: the last chance.
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") save({ quiet: true }).catch(report);
});

start().catch((error) => show(`The game could not start: ${error.message}`));
