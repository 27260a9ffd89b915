/**
 * Messages with the extension host: requests by id whose reply (done / error) settles a promise, and the summaries
 * the host sends. Everything received is checked with the protocol's own validator before use.
 */
import { isHostMessage, type HostMessage, type ProfileData, type SummaryData, type WebviewMessage } from '../src/shared/protocol';

type Pending = { resolve: (message: string) => void; reject: (error: Error) => void; onProgress?: (message: string) => void };

export class HostChannel {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly post: (message: WebviewMessage) => void,
    private readonly onSummary: (summary: SummaryData) => void,
    private readonly onProfile: (profile: ProfileData) => void = () => undefined,
    private readonly onSelectLayer: (name: string) => void = () => undefined,
  ) {}

  /**
   * Sends a request; resolves with the host's message for the user ('' when the user cancelled), rejects on error.
   * `onProgress` hears the host's progress lines while it runs.
   */
  request(make: (id: number) => WebviewMessage, onProgress?: (message: string) => void): Promise<string> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, ...(onProgress && { onProgress }) });
      this.post(make(id));
    });
  }

  /** Handles what arrived on the window's message event; anything that is not a HostMessage is ignored. */
  receive(data: unknown): boolean {
    if (!isHostMessage(data)) return false;
    this.handle(data);
    return true;
  }

  private handle(message: HostMessage): void {
    switch (message.type) {
      case 'summary':
        this.onSummary(message.summary);
        return;
      case 'profile':
        this.onProfile(message.profile);
        return;
      case 'selectLayer':
        this.onSelectLayer(message.name);
        return;
      case 'status':
        this.pending.get(message.id)?.onProgress?.(message.message);
        return;
      case 'done':
      case 'error': {
        const p = this.pending.get(message.id);
        if (!p) return;
        this.pending.delete(message.id);
        if (message.type === 'done') p.resolve(message.message);
        else p.reject(new Error(message.message));
        return;
      }
    }
  }
}
