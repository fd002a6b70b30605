/**
 * The text of one completion as tokens arrive: finds stop sequences, and says how much text is safe
 * to stream (never a partial UTF-8 character, never the start of what may become a stop sequence).
 *
 * @example
 * ```ts
 * const t = new StopText(["\n\n"]);
 * t.update("Hello\n");   // { delta: "Hello", stopped: false } ("\n" may start a stop sequence)
 * t.update("Hello\n\nX"); // { delta: "", stopped: true }; t.text === "Hello"
 * ```
 */
export class StopText {
  readonly #stops: readonly string[];
  readonly #longest: number;
  #text = "";
  #emitted = 0;
  #stopped = false;

  constructor(stops: readonly string[] = []) {
    this.#stops = stops.filter((s) => s.length > 0);
    this.#longest = Math.max(0, ...this.#stops.map((s) => s.length));
  }

  /** The completion so far, cut before a stop sequence once one appeared. */
  get text(): string {
    return this.#text;
  }

  /** Whether a stop sequence appeared. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * Give the full decoded text so far; returns the newly safe text and whether a stop sequence appeared
   * (the text is then cut before it and `delta` ends there).
   */
  update(full: string): { delta: string; stopped: boolean } {
    if (this.#stopped) return { delta: "", stopped: true };
    const from = Math.max(0, this.#text.length - this.#longest + 1);
    let cut = -1;
    for (const stop of this.#stops) {
      const at = full.indexOf(stop, from);
      if (at !== -1 && (cut === -1 || at < cut)) cut = at;
    }
    if (cut !== -1) {
      this.#stopped = true;
      this.#text = full.slice(0, cut);
      return { delta: this.#take(this.#text.length), stopped: true };
    }
    this.#text = full;
    return { delta: this.#take(this.#safeLength()), stopped: false };
  }

  /** All text not yet streamed (call when the completion ends). */
  flush(): string {
    return this.#take(this.#text.length);
  }

  #safeLength(): number {
    let end = this.#text.length;
    // A trailing U+FFFD is usually half of a character whose other bytes come with the next token.
    while (end > this.#emitted && this.#text.charCodeAt(end - 1) === 0xfffd) end--;
    for (let k = Math.min(this.#longest - 1, end); k > 0; k--) {
      const tail = this.#text.slice(end - k, end);
      if (this.#stops.some((s) => s.startsWith(tail))) return end - k;
    }
    return end;
  }

  #take(end: number): string {
    if (end <= this.#emitted) return "";
    const delta = this.#text.slice(this.#emitted, end);
    this.#emitted = end;
    return delta;
  }
}
