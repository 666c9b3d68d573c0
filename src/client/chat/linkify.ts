/**
 * Chat text as DOM: plain text nodes, with http and https addresses made
 * into links that open in a new tab without handing it our page. Nothing
 * of a message is ever parsed as HTML, and no other scheme (`javascript:`,
 * `data:`, …) becomes a link.
 */
import { element } from '../dom.js';

const ADDRESS = /\bhttps?:\/\/[^\s<>"]+/gi;
/** Punctuation that ends a sentence rather than the address before it. */
const TRAILING_PUNCTUATION = /[.,;:!?)\]}'"]+$/;

export function appendLinkified(parent: HTMLElement, text: string): void {
  let from = 0;
  for (const match of text.matchAll(ADDRESS)) {
    const address = match[0].replace(TRAILING_PUNCTUATION, '');
    const link = safeLink(address);
    if (!link) continue;
    parent.append(text.slice(from, match.index), link);
    from = match.index + address.length;
  }
  parent.append(text.slice(from));
}

function safeLink(address: string): HTMLAnchorElement | undefined {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  return element('a', { href: url.href, rel: 'noopener noreferrer', target: '_blank', textContent: address });
}
