// Event names as the docs give them: spelled out (`policy.created`), or only as a heading title
// ("Policy created") that we turn into a name by an explicit, inferred rule.
import type { EventEvidence, ListedEvent } from './types.js';

/** An event name as providers spell them: lower-case dotted words, e.g. `proposal_premium.purchase_failed`. */
export const EVENT_NAME = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$/;

/**
 * The inference rule for docs that title events instead of naming them (KASKO: only
 * `policy.created` is spelled out, as an `X-KASKO-Event` value; the other titles follow its
 * pattern). A title is `<noun words> <verb>` (the verb in the past tense, as in every KASKO title)
 * and maps to `<noun>.<verb>` lower-cased, the noun's words joined by `_`. A title of one word,
 * or with anything but letters, is not an event title: undefined.
 *
 * @example
 * eventNameFromTitle('Policy created');            // 'policy.created'
 * eventNameFromTitle('Proposal premium received'); // 'proposal_premium.received'
 * eventNameFromTitle('Payload');                   // undefined
 */
export function eventNameFromTitle(title: string): string | undefined {
  const words = title.trim().split(/\s+/);
  if (words.length < 2 || !words.every((word) => /^[A-Za-z]+$/.test(word))) return undefined;
  const verb = words.pop()!.toLowerCase();
  return `${words.join('_').toLowerCase()}.${verb}`;
}

/**
 * The event a heading stands for: a heading that is a spelled name (`` `policy.created` *async* ``)
 * gives that name; otherwise, when `titles` is allowed, the title rule above.
 *
 * @example
 * eventFromHeading('`proposal_premium.purchasing` *sync*', { titles: false });
 * // { name: 'proposal_premium.purchasing', evidence: 'name', delivery: 'sync' }
 * eventFromHeading('Offer created', { titles: true }); // { name: 'offer.created', evidence: 'title' }
 */
export function eventFromHeading(heading: string, options: { titles: boolean }): ListedEvent | undefined {
  const spelled = /^`([^`]+)`\s*(?:\*(sync|async)\*)?\s*$/.exec(heading.trim());
  if (spelled) {
    const [, name = '', delivery] = spelled;
    if (!EVENT_NAME.test(name)) return undefined;
    return delivery === 'sync' || delivery === 'async' ? { name, evidence: 'name', delivery } : { name, evidence: 'name' };
  }
  if (!options.titles) return undefined;
  const name = eventNameFromTitle(heading);
  return name ? { name, evidence: 'title' } : undefined;
}

const STRENGTH: Record<EventEvidence, number> = { name: 3, title: 2, example: 1, mention: 0 };

/**
 * Collects the events a doc lists, once each in first-seen order; a name seen several ways keeps
 * its strongest evidence and any sync/async marker.
 *
 * @example
 * const events = new EventList();
 * events.add({ name: 'policy.created', evidence: 'title' });
 * events.add({ name: 'policy.created', evidence: 'name' });
 * events.list(); // [{ name: 'policy.created', evidence: 'name' }]
 */
export class EventList {
  readonly #events = new Map<string, ListedEvent>();

  add(event: ListedEvent): void {
    const known = this.#events.get(event.name);
    if (!known) {
      this.#events.set(event.name, { ...event });
      return;
    }
    if (STRENGTH[event.evidence] > STRENGTH[known.evidence]) known.evidence = event.evidence;
    if (event.delivery && !known.delivery) known.delivery = event.delivery;
    if (event.line && !known.line) known.line = event.line;
  }

  has(name: string): boolean {
    return this.#events.has(name);
  }

  list(): ListedEvent[] {
    return [...this.#events.values()];
  }
}
