// <kafka-cluster>: Kafkascope as a custom element, for course pages and books.
//
//   <script type="module" src="./www/kafka-cluster.js"></script>
//   <kafka-cluster scenario="default" seed="7" style="height: 480px"></kafka-cluster>
//
// Attributes: scenario (a preset name: default, stress; or a share link's query "v=1&..."),
// preset, lesson (passed on to the app), mode (kraft, kraft-combined, zookeeper, builtin),
// nodes (1, 3, 5), seed, speed (percent of real time), paused, embed (present: the minimal
// frame; embed="false" for the full app). Each element mounts its own instance in its shadow
// root (its ids and styles stay inside), with ./style.css beside this file; removing the element
// destroys the instance. element.instance is the handle (send, on, destroy); the element also
// re-dispatches the instance's events as DOM events "kafka-log", "kafka-leader",
// "kafka-broker" ({detail: event}). Everything loads relative to this file, so the folder can
// live under any path of a course site.

const here = new URL('.', import.meta.url);
/** The two builds of the app (see build_web in scripts/web-tools.sh), each loaded once, when
 *  an element first needs it: kafkascope_web has the lesson player, kafkascope_play (smaller)
 *  has everything else. */
const ready = new Map();

function loadWasm(name) {
  if (!ready.has(name)) {
    ready.set(name, import(new URL(`./pkg/${name}.js`, here).href).then(async (mod) => {
      await mod.default({ module_or_path: new URL(`./pkg/${name}_bg.wasm`, here) });
      return mod;
    }));
  }
  return ready.get(name);
}

/** The build an element's options need: a lesson, or the full app with its lesson select
 *  (embed="false"), needs the lesson player. */
function buildFor(options) {
  return 'lesson' in options || options.embed === false ? 'kafkascope_web' : 'kafkascope_play';
}

const ATTRIBUTES = ['scenario', 'preset', 'lesson', 'mode', 'nodes', 'seed', 'speed', 'paused', 'embed'];
const NUMBERS = new Set(['nodes', 'seed', 'speed']);

/** At most 40 characters of an attribute's value, for messages (it may be huge or hostile;
 *  messages are shown as text, never as markup). */
function shown(value) {
  return value.length > 40 ? value.slice(0, 39) + '…' : value;
}

/** The mount options an element's attributes stand for; throws on a bad value. */
function optionsOf(el) {
  const options = { embed: true };
  for (const name of ATTRIBUTES) {
    if (!el.hasAttribute(name)) continue;
    const value = el.getAttribute(name).trim();
    if (name === 'embed' || name === 'paused') {
      if (!['', 'true', 'false', '1', '0'].includes(value)) {
        throw new TypeError(`<kafka-cluster ${name}="${shown(value)}">: use ${name}, ${name}="true" or ${name}="false"`);
      }
      options[name] = value !== 'false' && value !== '0';
    } else if (NUMBERS.has(name)) {
      if (!/^\d{1,15}$/.test(value)) {
        throw new TypeError(`<kafka-cluster ${name}="${shown(value)}">: ${name} must be a whole number from 0`);
      }
      options[name] = Number(value);
    } else {
      if (value === '' || value.length > 8192) {
        throw new TypeError(`<kafka-cluster ${name}>: give a value (at most 8192 characters)`);
      }
      options[name] = value;
    }
  }
  if (!('shareBase' in options)) options.shareBase = new URL('../index.html', here).href;
  // Lessons live in lessons/ at the root of the site, next to www/.
  if (!('lessonBase' in options)) options.lessonBase = new URL('../lessons/', here).href;
  return options;
}

class KafkaCluster extends HTMLElement {
  static get observedAttributes() { return ATTRIBUTES; }

  constructor() {
    super();
    this.attachShadow({ mode: 'open' });
    this.instance = null;
    this._generation = 0;
  }

  connectedCallback() {
    this._connected = true;
    this._mount();
  }

  disconnectedCallback() {
    this._connected = false;
    this._generation++;
    this._destroy();
  }

  // A changed attribute mounts again (also after an error: fixing the attribute recovers).
  // Before the element is connected its attributes are read by connectedCallback.
  attributeChangedCallback(name, old, value) {
    if (this._connected && old !== value) this._mount();
  }

  _destroy() {
    if (this.instance) {
      this.instance.destroy();
      this.instance.free();
      this.instance = null;
    }
  }

  _showError(text) {
    const p = document.createElement('p');
    p.className = 'link-error';
    p.setAttribute('role', 'alert');
    p.textContent = text;
    this.shadowRoot.replaceChildren(this._style(), p);
  }

  _style() {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = new URL('./style.css', here).href;
    return link;
  }

  async _mount() {
    const generation = ++this._generation;
    let options;
    try {
      options = optionsOf(this);
    } catch (e) {
      this._destroy();
      this._showError(e.message);
      return;
    }
    const root = document.createElement('div');
    root.className = 'kafka-cluster-root';
    root.style.height = '100%';
    root.textContent = 'Loading the simulator…';
    this._destroy();
    this.shadowRoot.replaceChildren(this._style(), root);
    let mod;
    try {
      mod = await loadWasm(buildFor(options));
    } catch (e) {
      this._showError('Kafkascope could not load: ' + (e && e.message ? e.message : e));
      return;
    }
    // Removed or changed while loading: a newer mount (or none) wins.
    if (generation !== this._generation || !this.isConnected) return;
    try {
      this.instance = mod.mount(root, options);
    } catch (e) {
      this._showError(e && e.message ? e.message : String(e));
      return;
    }
    for (const name of ['log', 'leader', 'broker']) {
      this.instance.on(name, (event) => {
        this.dispatchEvent(new CustomEvent('kafka-' + name, { detail: event }));
      });
    }
    this.dispatchEvent(new CustomEvent('kafka-ready', { detail: this.instance }));
  }
}

if (!customElements.get('kafka-cluster')) customElements.define('kafka-cluster', KafkaCluster);
