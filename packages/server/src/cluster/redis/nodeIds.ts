import { randomBytes } from 'node:crypto';

/** A node's configured name (CONFAB_NODE_ID). */
export type NodeId = string & { readonly __brand: 'NodeId' };
/** One run of one node: `<node id>#<boot tag>`. A node restarted under the same id is a new instance. */
export type NodeInstance = string & { readonly __brand: 'NodeInstance' };

export function newInstance(id: NodeId): NodeInstance {
  return `${id}#${randomBytes(4).toString('hex')}` as NodeInstance;
}

export function nodeOf(instance: NodeInstance): NodeId {
  return instance.slice(0, instance.lastIndexOf('#')) as NodeId;
}

/** A lease value is `<instance>|<epoch>`. */
export function leaseHolder(lease: string): NodeInstance {
  return lease.slice(0, lease.lastIndexOf('|')) as NodeInstance;
}
