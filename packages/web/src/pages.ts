import { h } from './dom.js';

/** One page of a list from the API: its items and the cursor of the next page (null: last). */
export interface Page<T> {
  readonly items: T[];
  readonly next: string | null;
}

/** Rows a list shows at first, and how many more each "Show more" adds. */
export const PAGE_SIZE = 100;

/**
 * A list that grows a page at a time: `load` fetches as many pages as the user has asked for
 * (each one from the cursor of the one before), so a live reload keeps what was shown.
 */
export class Pager<T> {
  private pages = 1;
  /** The "Show more" button, hidden while there is nothing more to show. */
  readonly button: HTMLButtonElement;

  constructor(
    private readonly fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
    label: string,
    more: () => void,
  ) {
    this.button = h(
      'button',
      {
        type: 'button',
        class: 'more',
        hidden: true,
        onclick: () => {
          this.pages += 1;
          more();
        },
      },
      label,
    );
  }

  /** Back to the first page (a new filter). */
  reset(): void {
    this.pages = 1;
  }

  async load(): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < this.pages; i++) {
      const page = await this.fetchPage(cursor);
      items.push(...page.items);
      cursor = page.next ?? undefined;
      if (cursor === undefined) break;
    }
    this.button.hidden = cursor === undefined;
    return items;
  }
}
