/**
 * A signal that aborts when any of its parents does, until released.
 *
 * @example
 * ```ts
 * const linked = linkSignal(runSignal);
 * try { await fetch(url, { signal: linked.signal }); } finally { linked.release(); }
 * ```
 */
export interface LinkedSignal {
  readonly signal: AbortSignal;
  /** Unlinks the signal from its parents (it no longer aborts with them). */
  release(): void;
}

/** The children of a parent signal, aborted together by the parent's one listener. */
interface Family {
  readonly children: Set<AbortController>;
  readonly onAbort: () => void;
}

const families = new WeakMap<AbortSignal, Family>();

function join(parent: AbortSignal, child: AbortController): void {
  let family = families.get(parent);
  if (family === undefined) {
    const children = new Set<AbortController>();
    const onAbort = (): void => {
      families.delete(parent);
      for (const each of children) each.abort(parent.reason);
      children.clear();
    };
    family = { children, onAbort };
    families.set(parent, family);
    parent.addEventListener("abort", onAbort, { once: true });
  }
  family.children.add(child);
}

function leave(parent: AbortSignal, child: AbortController): void {
  const family = families.get(parent);
  if (family === undefined) return;
  family.children.delete(child);
  // The last child gone, the parent is left as it was found: no listener of ours.
  if (family.children.size === 0) {
    families.delete(parent);
    parent.removeEventListener("abort", family.onAbort);
  }
}

/**
 * A fresh signal linked to `parents` (those given): it aborts, with the parent's reason, when one of them
 * aborts. However many signals are linked to a parent at once, the parent carries one listener (none once
 * every linked signal is released): a
 * listener per request on a run's signal is what made Node warn "MaxListenersExceededWarning: 11 abort
 * listeners added to [AbortSignal]" at 16 requests in flight, and what a client that never removes its
 * listeners (the `openai` client does not) would leak on a long-lived signal.
 *
 * @example
 * ```ts
 * const linked = linkSignal(options.signal, options.stop);
 * await sleep(delay, linked.signal).finally(() => linked.release());
 * ```
 */
export function linkSignal(...parents: readonly (AbortSignal | undefined)[]): LinkedSignal {
  const controller = new AbortController();
  const aborted = parents.find((parent) => parent?.aborted === true);
  if (aborted !== undefined) {
    controller.abort(aborted.reason);
    return { signal: controller.signal, release: () => undefined };
  }
  const linked = parents.filter((parent): parent is AbortSignal => parent !== undefined);
  for (const parent of linked) join(parent, controller);
  return {
    signal: controller.signal,
    release: () => {
      for (const parent of linked) leave(parent, controller);
    },
  };
}
