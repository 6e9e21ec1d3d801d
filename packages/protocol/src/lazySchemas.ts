import * as z from 'zod';

/** Each message type's schema, as a function that builds it; the key is the message's `type`. */
export type SchemaFactories<F> = { [K in keyof F]: () => z.ZodType<{ type: K }> };

/** The messages a set of factories describes: the union of their outputs. */
export type MessageUnion<F extends SchemaFactories<F>> = { [K in keyof F]: z.output<ReturnType<F[K]>> }[keyof F];

/**
 * One direction's message schemas, each built the first time a message of its type is checked.
 * A joining page receives 6 of the server's 29 message types and checks none of the client's;
 * building them all while its bundle was evaluated cost ~30 ms of the page's main thread before
 * it could make its socket. Checking by `type` first is also what a discriminated union does.
 */
export class LazySchemas<F extends SchemaFactories<F>> {
  readonly types: readonly (keyof F & string)[];
  private readonly built = new Map<string, z.ZodType<MessageUnion<F>>>();
  private everyType: z.ZodType<MessageUnion<F>> | undefined;

  constructor(private readonly factories: F) {
    this.types = Object.keys(factories) as (keyof F & string)[];
  }

  /** The schema of messages of `type`; undefined for a type this direction does not have. */
  of(type: string): z.ZodType<MessageUnion<F>> | undefined {
    let schema = this.built.get(type);
    if (schema === undefined && Object.hasOwn(this.factories, type)) {
      schema = (this.factories[type as keyof F] as () => z.ZodType<MessageUnion<F>>)();
      this.built.set(type, schema);
    }
    return schema;
  }

  /** All of them as one discriminated union on `type`, for a list of mixed messages (a moving room's replay buffer). */
  union(): z.ZodType<MessageUnion<F>> {
    this.everyType ??= z.discriminatedUnion(
      'type',
      this.types.map((type) => this.of(type)) as unknown as [z.ZodObject<{ type: z.ZodLiteral<string> }>],
    ) as unknown as z.ZodType<MessageUnion<F>>;
    return this.everyType;
  }
}
