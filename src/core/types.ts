// Shapes shared by the generated catalog and the runtime. No runtime code here.

/** One error as ajv's standalone validators report it. */
export interface SchemaValidationError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** A compiled (ajv standalone) validator: returns true when valid, else leaves `errors` set. */
export interface SchemaValidator {
  (data: unknown): boolean;
  errors?: SchemaValidationError[] | null;
}

/** Where a piece of delivery metadata travels: a header (lower-case name) or a JSON Pointer into the body. */
export type Location = { readonly in: 'header'; readonly header: string } | { readonly in: 'body'; readonly pointer: string };

/** Where a doc statement comes from: the captured doc file and its section. */
export interface DocSource {
  readonly doc: string;
  readonly section: string;
}

/** A provider's transport, read from `schemas/<provider>/provider.json`. */
export interface Transport {
  readonly eventType: Location;
  readonly deliveryId?: Location;
  readonly webhookId?: Location;
  readonly timestamp?: Location;
  readonly signature: { readonly header: string; readonly scheme: string; readonly optional?: boolean };
}

export interface EventCatalogEntry {
  /** The event type as the provider spells it, e.g. `policy.created`. */
  readonly type: string;
  /** The generated payload type's name, e.g. `KaskoPolicyCreated`. */
  readonly title: string;
  readonly description: string;
  /** `sync` events are sent before the operation and the response can affect it (InsurUp). */
  readonly delivery: 'sync' | 'async';
  /** What about this event is inferred rather than documented; absent when fully documented. */
  readonly inferred?: string;
  /** Whether the bundled example is the docs' own or constructed by this package. */
  readonly example: 'documented' | 'constructed';
  readonly source: DocSource;
  readonly validate: SchemaValidator;
  readonly validateStrict: SchemaValidator;
}

/** Everything the package knows about one provider, generated from its schema folder. */
export interface ProviderCatalog<EventMap> {
  readonly name: string;
  readonly displayName: string;
  /** The captured doc file this provider's schemas trace back to. */
  readonly doc: string;
  readonly transport: Transport;
  readonly events: { readonly [Type in keyof EventMap & string]: EventCatalogEntry };
}
