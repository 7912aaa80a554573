// Small DOM helpers. Text from the server or the user only ever goes into
// the page as text (textContent, text nodes), never as HTML.

export const $ = (id) => document.getElementById(id);

/** `<tag>` with attributes and children (strings become text nodes). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === 'text') node.textContent = value;
    else if (name === 'onclick') node.addEventListener('click', value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

/** Says `message` to screen readers through the page's live region. */
export function announce(message) {
  const status = $('status');
  status.textContent = '';
  setTimeout(() => {
    status.textContent = message;
  }, 50);
}

/** Shows `message` in an error paragraph, or hides it when empty. */
export function showError(node, message) {
  node.textContent = message || '';
  node.hidden = !message;
}

/**
 * An identity ID as nodes that break only after its resource part
 * (`8:acs:<resource>_` | `<identity>`), never inside a GUID.
 */
export function idParts(id) {
  const at = id.lastIndexOf('_') + 1;
  if (at <= 0) return [id];
  return [el('span', { class: 'id-part' }, id.slice(0, at)), el('wbr'), el('span', { class: 'id-part' }, id.slice(at))];
}

async function writeClipboard(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // When the Clipboard API refuses (no permission, the page not focused): the selection.
    const area = el('textarea', { class: 'offscreen', readonly: true, 'aria-hidden': 'true' });
    area.value = text;
    document.body.append(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}

/**
 * Copies `text`. The button keeps its name ("Copy" and, for screen readers
 * only, what it copies), so its name always holds the text it shows; a
 * note beside it shows "Copied" for two seconds, and the live region says so.
 */
export async function copy(button, text, what) {
  const ok = await writeClipboard(text);
  let note = button.nextElementSibling;
  if (!note || !note.classList.contains('copy-note')) {
    // Said through the live region: hidden from screen readers here.
    note = el('span', { class: 'copy-note', 'aria-hidden': 'true' });
    button.after(note);
  }
  note.textContent = ok ? 'Copied' : 'Copy failed';
  note.classList.toggle('failed', !ok);
  note.hidden = false;
  announce(ok ? `Copied the ${what} to the clipboard.` : `Could not copy the ${what}.`);
  clearTimeout(button.copyTimer);
  button.copyTimer = setTimeout(() => {
    note.hidden = true;
  }, 2000);
}

/** A Copy button's content: "Copy", and what it copies for screen readers. */
function copyLabel(what) {
  return ['Copy', el('span', { class: 'visually-hidden' }, ` ${what}`)];
}

/** A Copy button for `text`, named "Copy <what>". */
export function copyButton(text, what) {
  const button = el('button', { type: 'button', class: 'copy' }, ...copyLabel(what));
  button.addEventListener('click', () => copy(button, text, what));
  return button;
}

/** Wires every static `<button data-copy="id">` to copy that element's text. */
export function wireCopyButtons(root = document) {
  for (const button of root.querySelectorAll('button[data-copy]')) {
    button.replaceChildren(...copyLabel(button.dataset.what));
    button.addEventListener('click', () =>
      copy(button, $(button.dataset.copy).textContent, button.dataset.what),
    );
  }
}

/** An ACS timestamp as local time and as UTC (ISO 8601), or null. */
export function times(value) {
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  if (!value || Number.isNaN(date.getTime())) return null;
  return {
    date,
    local: date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'long' }),
    short: date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }),
    utc: date.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

/**
 * A `<time>` showing local time to the minute (the day and the time each
 * kept on one line), the second and UTC in its title; `fallback` when absent.
 */
export function timeElement(value, fallback = '—') {
  const t = times(value);
  if (!t) return el('span', { class: 'muted' }, fallback);
  const day = t.date.toLocaleDateString(undefined, { dateStyle: 'medium' });
  const time = t.date.toLocaleTimeString(undefined, { timeStyle: 'short' });
  return el(
    'time',
    { datetime: t.utc, title: `${t.local} (UTC ${t.utc})` },
    el('span', { class: 'nowrap' }, `${day},`),
    ' ',
    el('span', { class: 'nowrap' }, time),
  );
}

/** Asks to confirm `title`; resolves true when the person confirms. */
export function confirmAction({ title, text, id, action }) {
  const dialog = $('confirm');
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-id').textContent = id;
  $('confirm-ok').textContent = action;
  return new Promise((resolve) => {
    const done = (ok) => () => {
      dialog.close();
      resolve(ok);
    };
    const ok = done(true);
    const cancel = done(false);
    $('confirm-ok').addEventListener('click', ok, { once: true });
    $('confirm-cancel').addEventListener('click', cancel, { once: true });
    dialog.addEventListener(
      'close',
      () => {
        $('confirm-ok').removeEventListener('click', ok);
        $('confirm-cancel').removeEventListener('click', cancel);
        resolve(false);
      },
      { once: true },
    );
    dialog.showModal();
    $('confirm-cancel').focus();
  });
}
