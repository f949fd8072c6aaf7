/**
 * A node of an {@link IntrusiveList}: the links live in the item itself, so a node belongs to at
 * most one list at a time and removal is O(1) without allocation. @internal
 *
 * @example
 * ```ts
 * class Item implements ListNode<Item> { prev: Item | undefined; next: Item | undefined; list: object | undefined; }
 * ```
 */
export interface ListNode<T> {
  prev: T | undefined;
  next: T | undefined;
  /** The list holding it (compared by identity only). */
  list: object | undefined;
}

/**
 * A doubly linked FIFO list whose links are stored in its items. Used for the lane queues, the
 * ready-scope round robin and the finished-job retention, where `Map`/`Set` insertion order would
 * leave deleted holes at the front. @internal
 *
 * @example
 * ```ts
 * class Item implements ListNode<Item> { prev: Item | undefined; next: Item | undefined; list: object | undefined; }
 * const [a, b] = [new Item(), new Item()];
 * const list = new IntrusiveList<Item>();
 * list.push(a); list.push(b); list.remove(a); list.shift(); // b
 * ```
 */
export class IntrusiveList<T extends ListNode<T>> {
  head: T | undefined;
  tail: T | undefined;
  size = 0;

  /** Appends `node`, which must not be in any list. */
  push(node: T): void {
    node.list = this;
    node.prev = this.tail;
    node.next = undefined;
    if (this.tail === undefined) this.head = node;
    else this.tail.next = node;
    this.tail = node;
    this.size++;
  }

  /** Removes and returns the first node. */
  shift(): T | undefined {
    const node = this.head;
    if (node !== undefined) this.remove(node);
    return node;
  }

  /** Removes `node` if it is in this list; returns whether it was. */
  remove(node: T): boolean {
    if (node.list !== this) return false;
    if (node.prev === undefined) this.head = node.next;
    else node.prev.next = node.next;
    if (node.next === undefined) this.tail = node.prev;
    else node.next.prev = node.prev;
    node.prev = node.next = node.list = undefined;
    this.size--;
    return true;
  }

  /** The nodes, first to last, copied first so the loop body may change the list. */
  toArray(): T[] {
    const out: T[] = [];
    for (let n = this.head; n !== undefined; n = n.next) out.push(n);
    return out;
  }
}
