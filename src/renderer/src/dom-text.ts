// Text written into an element in place, for views that rewrite it many times a second (legends,
// the ladder's header): the element's one text node gets the new data (a layout of that text),
// where textContent would put in a new node (a style recalc besides the layout). Nothing is
// written when the text is already there.
export function setText(el: HTMLElement, text: string): void {
  const t = el.firstChild;
  if (t instanceof Text && !t.nextSibling) {
    if (t.data !== text) t.data = text;
  } else if (el.textContent !== text) el.textContent = text;
}
