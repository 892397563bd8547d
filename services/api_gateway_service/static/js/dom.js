// Building DOM nodes without ever parsing HTML: every string becomes a text node, so a
// student's name or essay can never turn into markup or script.

/** el("p", {class: "x", onclick: fn}, "text", child) -> HTMLElement */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2), value);
    } else if (name === "dataset") {
      Object.assign(node.dataset, value);
    } else if (value === true) {
      node.setAttribute(name, "");
    } else {
      node.setAttribute(name, String(value));
    }
  }
  append(node, children);
  return node;
}

/** Append children: nodes as they are, strings and numbers as text, arrays flattened. */
export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Replace everything inside `node`. */
export function replace(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

/** Say something to screen-reader users without moving focus. */
export function announce(text) {
  const region = document.getElementById("announcer");
  region.textContent = "";
  // A separate task, so the same sentence twice is still announced.
  setTimeout(() => { region.textContent = text; }, 50);
}

/** Focus a view's heading so keyboard and screen-reader users land at its start. */
export function focusHeading(container) {
  const heading = container.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: false });
  }
}
