/** The part of OpenAPI 3.1 (https://spec.openapis.org/oas/v3.1.0) that openApiDocument.ts uses. */

/** A JSON Schema (2020-12, as OpenAPI 3.1 takes it). */
export type JsonSchema = { readonly [keyword: string]: unknown };

export interface Reference {
  $ref: string;
}

export interface MediaType {
  schema: JsonSchema | Reference;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  description: string;
  schema: JsonSchema;
}

export interface RequestBody {
  required: true;
  content: { 'application/json': MediaType };
}

export interface Header {
  description: string;
  schema: JsonSchema;
}

export interface Response {
  description: string;
  headers?: Record<string, Header>;
  content?: Readonly<Record<string, MediaType>>;
}

export interface Operation {
  operationId: string;
  summary: string;
  description: string;
  /** Which grants open it (any one of them); none for a public call. Our extension, kept in step with routes.ts by a test. */
  'x-confab-grants': readonly string[];
  /** `[]` for a call that needs no token; absent: the document's default (bearer). */
  security?: readonly Record<string, readonly string[]>[];
  parameters?: readonly (Parameter | Reference)[];
  requestBody?: RequestBody;
  responses: Record<string, Response | Reference>;
}

export type PathItem = Partial<Record<'get' | 'post' | 'patch' | 'delete', Operation>>;

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: readonly { url: string; description: string }[];
  security: readonly Record<string, readonly string[]>[];
  paths: Record<string, PathItem>;
  components: {
    securitySchemes: Record<string, { type: 'http'; scheme: 'bearer'; bearerFormat: string; description: string }>;
    schemas: Record<string, JsonSchema>;
    parameters: Record<string, Parameter>;
    responses: Record<string, Response>;
  };
}
