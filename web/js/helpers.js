// Browser helpers of the Kafkascope app (bundled by wasm-bindgen into pkg/snippets/):
// exporting the diagram as a standalone SVG file, downloading text, copying to the clipboard.

const SVG_NS = 'http://www.w3.org/2000/svg';
// The presentation properties the diagram's CSS sets; inlined so the file needs no style sheet.
const PROPS = [
  'fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-dasharray', 'stroke-opacity',
  'stroke-linecap', 'stroke-linejoin', 'opacity', 'font-family', 'font-size', 'font-weight',
  'font-style', 'text-anchor', 'dominant-baseline', 'letter-spacing', 'text-transform',
  'text-decoration', 'visibility', 'display', 'paint-order', 'transform', 'transform-origin',
];

// Through the CSSOM (`style.setProperty`), not `setAttribute('style', ...)`: a page whose
// Content-Security-Policy has no style-src 'unsafe-inline' blocks style attributes set as
// markup, not the CSSOM; both serialize as the same style="..." attribute.
function inlineStyles(src, dst) {
  const cs = getComputedStyle(src);
  dst.removeAttribute('style');
  for (const p of PROPS) {
    const v = cs.getPropertyValue(p);
    if (v && !(p === 'transform' && v === 'none') && !(p === 'transform-origin')) dst.style.setProperty(p, v);
  }
  dst.removeAttribute('class');
  dst.removeAttribute('tabindex');
  for (let i = 0; i < src.children.length; i++) inlineStyles(src.children[i], dst.children[i]);
}

/** The diagram under `root` (`#cluster` plus the `#messages` overlay) as SVG text. */
export function diagramSvg(root) {
  const cluster = root.querySelector('#cluster');
  if (!cluster) throw new Error('there is no diagram to export');
  const out = cluster.cloneNode(true);
  inlineStyles(cluster, out);
  out.removeAttribute('style');
  out.setAttribute('xmlns', SVG_NS);
  const vb = (cluster.getAttribute('viewBox') || '').split(/[\s,]+/).map(Number);
  if (vb.length === 4) {
    out.setAttribute('width', String(vb[2]));
    out.setAttribute('height', String(vb[3]));
    const bg = document.createElementNS(SVG_NS, 'rect');
    bg.setAttribute('x', String(vb[0]));
    bg.setAttribute('y', String(vb[1]));
    bg.setAttribute('width', String(vb[2]));
    bg.setAttribute('height', String(vb[3]));
    bg.setAttribute('fill', '#ffffff');
    out.insertBefore(bg, out.firstChild);
  }
  // Each broker is drawn in its own SVG over the diagram, in the diagram's user units: its
  // content goes in as it is, above the diagram and below the messages.
  for (const layer of root.querySelectorAll('svg.broker-layer, svg.broker-numbers-layer')) {
    const copy = layer.cloneNode(true);
    inlineStyles(layer, copy);
    const g = document.createElementNS(SVG_NS, 'g');
    g.setAttribute('class', 'broker-layer');
    for (const c of [...copy.childNodes]) g.appendChild(c);
    out.appendChild(g);
  }
  const messages = root.querySelector('#messages');
  if (messages) {
    const copy = messages.cloneNode(true);
    inlineStyles(messages, copy);
    const g = document.createElementNS(SVG_NS, 'g');
    g.setAttribute('id', 'messages');
    for (const c of [...copy.childNodes]) g.appendChild(c);
    out.appendChild(g);
  }
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(out);
}

/** Offers `text` as a file download. */
export function downloadText(text, filename, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Copies `text`; falls back to selecting `input` and the old copy command. Resolves to
 *  whether it worked. */
export async function copyText(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (_) {
    try {
      input.select();
      return document.execCommand('copy');
    } catch (_) {
      return false;
    }
  }
}
