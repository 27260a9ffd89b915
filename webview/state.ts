/** What the summary webview shows and keeps across reloads (pure, unit-tested; main.ts saves it with setState). */
import { isWebviewState, type ProfileData, type SummaryData, type WebviewState } from '../src/shared/protocol';
import type { CountRule } from '../src/shared/data';
import { buildTree, type GroupNode } from './tree';
import { countedSummary } from '../src/shared/countRules';

/**
 * The state to start from: the one VS Code kept for this panel (setState) when it is still readable, else the one the
 * extension put in the page. A saved state from an older version of the extension fails the check and is ignored.
 */
export function initialState(saved: unknown, fromHtml: unknown): WebviewState {
  if (isWebviewState(saved)) return saved;
  if (isWebviewState(fromHtml)) return fromHtml;
  throw new Error('the summary webview started without a valid state');
}

export class ViewState {
  summary: SummaryData;
  /** The summary's profile, once measured (the time columns and the roofline). */
  profile: ProfileData | undefined;
  tree: GroupNode[];
  readonly collapsed: Set<string>;
  filter: string;
  sort: WebviewState['sort'];
  /** The treegrid row that holds the table's one Tab stop (roving tabindex). */
  activeKey: string | undefined;
  /** The "Count as" rule: the table, charts and headline show its MACs. */
  countRule: CountRule | undefined;

  constructor(state: WebviewState) {
    this.summary = state.summary;
    this.countRule = state.countRule;
    this.profile = state.profile !== undefined && state.profile.model === state.summary.model ? state.profile : undefined;
    this.tree = buildTree(this.view, this.profile);
    this.collapsed = new Set(state.collapsed);
    this.filter = state.filter;
    this.sort = state.sort;
  }

  snapshot(): WebviewState {
    return {
      summary: this.summary,
      ...(this.profile && { profile: this.profile }),
      collapsed: [...this.collapsed],
      filter: this.filter,
      sort: this.sort,
      ...(this.countRule && { countRule: this.countRule }),
    };
  }

  /** The summary as the chosen rule counts it. */
  get view(): SummaryData {
    return countedSummary(this.summary, this.countRule);
  }

  setCountRule(rule: CountRule): void {
    this.countRule = rule;
    this.tree = buildTree(this.view, this.profile);
  }

  /**
   * A summary from the extension. Returns false when it is the one shown (the reply to 'ready' usually repeats what
   * the page started from): nothing to redraw. Another model starts with everything open and unfiltered, and
   * without the profile, which was of the other network.
   */
  receive(summary: SummaryData): boolean {
    if (JSON.stringify(summary) === JSON.stringify(this.summary)) return false;
    const sameModel = summary.model === this.summary.model && summary.weights === this.summary.weights;
    if (summary.model !== this.summary.model || JSON.stringify(summary.config) !== JSON.stringify(this.summary.config)) this.profile = undefined;
    this.summary = summary;
    this.tree = buildTree(this.view, this.profile);
    if (!sameModel) {
      this.collapsed.clear();
      this.filter = '';
      this.sort = null;
      this.activeKey = undefined;
    }
    return true;
  }

  /** A profile from the extension: shown when it is of the summary's model (false: ignored, or the one shown). */
  receiveProfile(profile: ProfileData): boolean {
    if (profile.model !== this.summary.model) return false;
    if (JSON.stringify(profile) === JSON.stringify(this.profile)) return false;
    this.profile = profile;
    this.tree = buildTree(this.view, profile);
    return true;
  }

  toggle(key: string, expand?: boolean): void {
    const open = expand ?? this.collapsed.has(key);
    if (open) this.collapsed.delete(key);
    else this.collapsed.add(key);
  }

  /** Sort cycle on a column header: ascending (descending for numbers, where "largest first" is what one looks for) → reversed → forward order. */
  cycleSort(column: string, numeric: boolean): void {
    if (this.sort?.column !== column) this.sort = { column, descending: numeric };
    else if (this.sort.descending === numeric) this.sort = { column, descending: !numeric };
    else this.sort = null;
  }
}
