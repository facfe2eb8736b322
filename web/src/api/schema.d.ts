/**
 * The management API's types (/api/v1), generated from its OpenAPI document by
 * `npm run api:types` (web/scripts/api-types.mjs). Do not edit: change the schemas in
 * src/http/admin/ and regenerate. test/unit/console-api-types.test.ts checks this file is current.
 */

export interface paths {
    "/api/v1/applications": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    cursor?: string;
                    organization_id?: string;
                    /** @description one or more application types, comma-separated: merchant, third_party, native, public */
                    type?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                id: string;
                                client_id: string;
                                name: string;
                                type: string;
                                organization_id: string;
                                scopes: string[];
                                redirect_uris: string[];
                                grant_types: string[];
                                refresh_policy: string;
                                access_token_ttl: number | null;
                                refresh_token_ttl: number | null;
                                refresh_family_max_age: number | null;
                                refresh_grace_period: number | null;
                                logo_uri: string | null;
                                partner_id: number | null;
                                created_at: number;
                                updated_at: number;
                                secrets?: {
                                    id: string;
                                    /** @description The first characters of the secret, to tell secrets apart. */
                                    hint: string;
                                    created_at: number;
                                    expires_at: number | null;
                                    active: boolean;
                                }[];
                            }[];
                            /** @description Pass as `cursor` to get the next page; null on the last page. */
                            next_cursor: string | null;
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        /** @description merchant, third_party, native or public */
                        type: string;
                        organization_id: string;
                        scopes?: string[];
                        redirect_uris?: string[];
                        grant_types?: string[];
                        /** @description rotate or reuse */
                        refresh_policy?: string;
                        /** @description seconds; null for the server default */
                        access_token_ttl?: number | null;
                        /** @description idle lifetime of a refresh token in seconds; 0 = no expiry while installed; null for the server default */
                        refresh_token_ttl?: number | null;
                        /** @description absolute lifetime of a refresh-token family in seconds; 0 = none; null for the server default */
                        refresh_family_max_age?: number | null;
                        /** @description seconds a rotated refresh token may be replayed for the same successor; null for the server default */
                        refresh_grace_period?: number | null;
                        /** @description https URL of a logo shown on the consent page; null for none */
                        logo_uri?: string | null;
                        /** @description numeric alias for the header-v1 dialect (seed 003 `partnerId`, int32); null for none */
                        partner_id?: number | null;
                        /** @description Import an existing client id (migration). */
                        client_id?: string;
                        /** @description Import an existing client secret (migration). */
                        client_secret?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            client_id: string;
                            name: string;
                            type: string;
                            organization_id: string;
                            scopes: string[];
                            redirect_uris: string[];
                            grant_types: string[];
                            refresh_policy: string;
                            access_token_ttl: number | null;
                            refresh_token_ttl: number | null;
                            refresh_family_max_age: number | null;
                            refresh_grace_period: number | null;
                            logo_uri: string | null;
                            partner_id: number | null;
                            created_at: number;
                            updated_at: number;
                            secrets?: {
                                id: string;
                                /** @description The first characters of the secret, to tell secrets apart. */
                                hint: string;
                                created_at: number;
                                expires_at: number | null;
                                active: boolean;
                            }[];
                        } & {
                            /** @description Shown once; null for public applications. */
                            client_secret: string | null;
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/applications/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            client_id: string;
                            name: string;
                            type: string;
                            organization_id: string;
                            scopes: string[];
                            redirect_uris: string[];
                            grant_types: string[];
                            refresh_policy: string;
                            access_token_ttl: number | null;
                            refresh_token_ttl: number | null;
                            refresh_family_max_age: number | null;
                            refresh_grace_period: number | null;
                            logo_uri: string | null;
                            partner_id: number | null;
                            created_at: number;
                            updated_at: number;
                            secrets?: {
                                id: string;
                                /** @description The first characters of the secret, to tell secrets apart. */
                                hint: string;
                                created_at: number;
                                expires_at: number | null;
                                active: boolean;
                            }[];
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name?: string;
                        scopes?: string[];
                        redirect_uris?: string[];
                        grant_types?: string[];
                        /** @description rotate or reuse */
                        refresh_policy?: string;
                        /** @description seconds; null for the server default */
                        access_token_ttl?: number | null;
                        /** @description idle lifetime of a refresh token in seconds; 0 = no expiry while installed; null for the server default */
                        refresh_token_ttl?: number | null;
                        /** @description absolute lifetime of a refresh-token family in seconds; 0 = none; null for the server default */
                        refresh_family_max_age?: number | null;
                        /** @description seconds a rotated refresh token may be replayed for the same successor; null for the server default */
                        refresh_grace_period?: number | null;
                        /** @description https URL of a logo shown on the consent page; null for none */
                        logo_uri?: string | null;
                        /** @description numeric alias for the header-v1 dialect (seed 003 `partnerId`, int32); null for none */
                        partner_id?: number | null;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            client_id: string;
                            name: string;
                            type: string;
                            organization_id: string;
                            scopes: string[];
                            redirect_uris: string[];
                            grant_types: string[];
                            refresh_policy: string;
                            access_token_ttl: number | null;
                            refresh_token_ttl: number | null;
                            refresh_family_max_age: number | null;
                            refresh_grace_period: number | null;
                            logo_uri: string | null;
                            partner_id: number | null;
                            created_at: number;
                            updated_at: number;
                            secrets?: {
                                id: string;
                                /** @description The first characters of the secret, to tell secrets apart. */
                                hint: string;
                                created_at: number;
                                expires_at: number | null;
                                active: boolean;
                            }[];
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/v1/applications/{id}/secrets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                id: string;
                                /** @description The first characters of the secret, to tell secrets apart. */
                                hint: string;
                                created_at: number;
                                expires_at: number | null;
                                active: boolean;
                            }[];
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description Seconds until the other active secrets expire; 0 revokes them now. */
                        expire_others_in?: number;
                        /** @description Seconds until the new secret expires; none by default. */
                        expires_in?: number;
                        /** @description Import an existing secret instead of generating one. */
                        client_secret?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Shown once. */
                            client_secret: string;
                            secret: {
                                id: string;
                                /** @description The first characters of the secret, to tell secrets apart. */
                                hint: string;
                                created_at: number;
                                expires_at: number | null;
                                active: boolean;
                            };
                            secrets: {
                                id: string;
                                /** @description The first characters of the secret, to tell secrets apart. */
                                hint: string;
                                created_at: number;
                                expires_at: number | null;
                                active: boolean;
                            }[];
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/applications/{id}/secrets/{secret_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                    secret_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/applications/{id}/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                id: string;
                                application_id: string;
                                url: string;
                                description: string | null;
                                events: string[];
                                enabled: boolean;
                                disabled_at: number | null;
                                /** @description 'gone' (the receiver answered 410), 'admin' (disabled by hand) or 'failing' (only failed attempts for GRANTRY_WEBHOOK_FAILING_DISABLE_AFTER) */
                                disabled_reason: ("gone" | "admin" | "failing") | null;
                                /** @description The first failed attempt since the last successful one; null when the last attempt succeeded. */
                                failing_since: number | null;
                                /** @description Attempts per second this endpoint receives at most, across every Grantry process; null = no limit. */
                                rate_limit: number | null;
                                /** @description The live signing secrets (metadata only; a secret is shown once, when created or rotated). */
                                secrets: {
                                    id: string;
                                    created_at: number;
                                    /** @description Null for the current secret; a previous secret keeps signing until then (the overlap of a rotation). */
                                    expires_at: number | null;
                                }[];
                                created_at: number;
                                updated_at: number;
                            }[];
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description https URL (http only in development or inside GRANTRY_WEBHOOK_ALLOWED_NETWORKS) */
                        url: string;
                        events: ("INSTALLATION.CREATE" | "INSTALLATION.UPDATE" | "INSTALLATION.DELETE" | "REFRESH_TOKEN.REUSE_DETECTED")[];
                        /** @description What this endpoint is, for people (at most 500 characters). */
                        description?: string | null;
                        /** @description Attempts per second at most (all Grantry processes together); null = no limit. */
                        rate_limit?: number | null;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            application_id: string;
                            url: string;
                            description: string | null;
                            events: string[];
                            enabled: boolean;
                            disabled_at: number | null;
                            /** @description 'gone' (the receiver answered 410), 'admin' (disabled by hand) or 'failing' (only failed attempts for GRANTRY_WEBHOOK_FAILING_DISABLE_AFTER) */
                            disabled_reason: ("gone" | "admin" | "failing") | null;
                            /** @description The first failed attempt since the last successful one; null when the last attempt succeeded. */
                            failing_since: number | null;
                            /** @description Attempts per second this endpoint receives at most, across every Grantry process; null = no limit. */
                            rate_limit: number | null;
                            /** @description The live signing secrets (metadata only; a secret is shown once, when created or rotated). */
                            secrets: {
                                id: string;
                                created_at: number;
                                /** @description Null for the current secret; a previous secret keeps signing until then (the overlap of a rotation). */
                                expires_at: number | null;
                            }[];
                            created_at: number;
                            updated_at: number;
                        } & {
                            /** @description The whsec_... signing secret (Standard Webhooks). Shown once. */
                            secret: string;
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/applications/{id}/webhooks/{webhook_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                    webhook_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            application_id: string;
                            url: string;
                            description: string | null;
                            events: string[];
                            enabled: boolean;
                            disabled_at: number | null;
                            /** @description 'gone' (the receiver answered 410), 'admin' (disabled by hand) or 'failing' (only failed attempts for GRANTRY_WEBHOOK_FAILING_DISABLE_AFTER) */
                            disabled_reason: ("gone" | "admin" | "failing") | null;
                            /** @description The first failed attempt since the last successful one; null when the last attempt succeeded. */
                            failing_since: number | null;
                            /** @description Attempts per second this endpoint receives at most, across every Grantry process; null = no limit. */
                            rate_limit: number | null;
                            /** @description The live signing secrets (metadata only; a secret is shown once, when created or rotated). */
                            secrets: {
                                id: string;
                                created_at: number;
                                /** @description Null for the current secret; a previous secret keeps signing until then (the overlap of a rotation). */
                                expires_at: number | null;
                            }[];
                            created_at: number;
                            updated_at: number;
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                    webhook_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** @description Edits an endpoint. Pending deliveries go to a new URL at their next attempt; events no longer listed stop being created (deliveries already created finish). */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                    webhook_id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description https URL (http only in development or inside GRANTRY_WEBHOOK_ALLOWED_NETWORKS) */
                        url?: string;
                        events?: ("INSTALLATION.CREATE" | "INSTALLATION.UPDATE" | "INSTALLATION.DELETE" | "REFRESH_TOKEN.REUSE_DETECTED")[];
                        /** @description What this endpoint is, for people (at most 500 characters). */
                        description?: string | null;
                        /** @description true re-enables a disabled endpoint: its held deliveries become pending; false holds its pending deliveries */
                        enabled?: boolean;
                        /** @description Attempts per second at most (all Grantry processes together); null = no limit. */
                        rate_limit?: number | null;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            application_id: string;
                            url: string;
                            description: string | null;
                            events: string[];
                            enabled: boolean;
                            disabled_at: number | null;
                            /** @description 'gone' (the receiver answered 410), 'admin' (disabled by hand) or 'failing' (only failed attempts for GRANTRY_WEBHOOK_FAILING_DISABLE_AFTER) */
                            disabled_reason: ("gone" | "admin" | "failing") | null;
                            /** @description The first failed attempt since the last successful one; null when the last attempt succeeded. */
                            failing_since: number | null;
                            /** @description Attempts per second this endpoint receives at most, across every Grantry process; null = no limit. */
                            rate_limit: number | null;
                            /** @description The live signing secrets (metadata only; a secret is shown once, when created or rotated). */
                            secrets: {
                                id: string;
                                created_at: number;
                                /** @description Null for the current secret; a previous secret keeps signing until then (the overlap of a rotation). */
                                expires_at: number | null;
                            }[];
                            created_at: number;
                            updated_at: number;
                        } & {
                            released_deliveries: number;
                            held_deliveries: number;
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/v1/applications/{id}/webhooks/{webhook_id}/recover": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** @description After an outage: fresh credentials (one INSTALLATION.UPDATE each) for every installation whose credentials delivery to this endpoint failed in [since, until). Credentials ever delivered are never changed. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                    webhook_id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description ISO 8601 time: credentials deliveries to this endpoint that failed from then on are recovered. */
                        since: string;
                        /** @description ISO 8601 time (default now). */
                        until?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Installations that get fresh credentials in a new INSTALLATION.UPDATE. */
                            queued: number;
                            /** @description Installations with a failed delivery that need nothing: uninstalled, or credentials since delivered, on their way or in use. */
                            skipped: number;
                            installation_ids: string[];
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/applications/{id}/webhooks/{webhook_id}/secret/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** @description A new signing secret, shown once. During the overlap every attempt carries both signatures (webhook-signature: v1,<new> v1,<previous>); after it the previous secret is erased. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                    webhook_id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /**
                         * @description Seconds the previous secret keeps signing beside the new one (default 86400; 0 = it stops at once).
                         * @default 86400
                         */
                        previous_expires_in?: number;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            application_id: string;
                            url: string;
                            description: string | null;
                            events: string[];
                            enabled: boolean;
                            disabled_at: number | null;
                            /** @description 'gone' (the receiver answered 410), 'admin' (disabled by hand) or 'failing' (only failed attempts for GRANTRY_WEBHOOK_FAILING_DISABLE_AFTER) */
                            disabled_reason: ("gone" | "admin" | "failing") | null;
                            /** @description The first failed attempt since the last successful one; null when the last attempt succeeded. */
                            failing_since: number | null;
                            /** @description Attempts per second this endpoint receives at most, across every Grantry process; null = no limit. */
                            rate_limit: number | null;
                            /** @description The live signing secrets (metadata only; a secret is shown once, when created or rotated). */
                            secrets: {
                                id: string;
                                created_at: number;
                                /** @description Null for the current secret; a previous secret keeps signing until then (the overlap of a rotation). */
                                expires_at: number | null;
                            }[];
                            created_at: number;
                            updated_at: number;
                        } & {
                            /** @description The new whsec_... signing secret. Shown once. */
                            secret: string;
                            /** @description When the previous secret stops signing; null when it stopped at once. */
                            previous_secret_expires_at: number | null;
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/applications/{id}/webhooks/{webhook_id}/test": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** @description Sends a signed WEBHOOK.TEST message (no credentials) through the normal delivery path. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                    webhook_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A webhook delivery. The request body is never shown: it carries tokens. */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            subscription_id: string;
                            application_id: string;
                            installation_id: string | null;
                            credentials_version: number | null;
                            event_type: string;
                            /** @description The webhook-id header: the same on every attempt and on a manual retry. */
                            message_id: string;
                            /** @description pending, succeeded, failed, held, cancelled or superseded */
                            status: string;
                            attempt_count: number;
                            max_attempts: number;
                            next_attempt_at: number | null;
                            last_attempt_at: number | null;
                            last_status_code: number | null;
                            last_error: string | null;
                            /** @description False once the delivery ended: the message (with its tokens) is erased. */
                            payload_retained: boolean;
                            created_at: number;
                            completed_at: number | null;
                            attempts: {
                                attempt: number;
                                started_at: number;
                                duration_ms: number | null;
                                status_code: number | null;
                                /** @description timeout, connection_refused, dns, tls, blocked_address, http_status or network */
                                error_class: string | null;
                                /** @description in_progress, succeeded, failed or abandoned (its worker stopped before reporting) */
                                outcome: string;
                            }[];
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/audit-events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    cursor?: string;
                    action?: string;
                    target_id?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                id: string;
                                at: number;
                                actor: string;
                                action: string;
                                target_type: string;
                                target_id: string;
                                data: {
                                    [key: string]: unknown;
                                };
                            }[];
                            /** @description Pass as `cursor` to get the next page; null on the last page. */
                            next_cursor: string | null;
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/catalog/applications": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Third-party applications a merchant may install, in their public view (no secrets, redirect URIs or webhooks). Open to every caller. */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    cursor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                id: string;
                                client_id: string;
                                name: string;
                                /** @description The partner organization that publishes the application. */
                                organization_id: string;
                                organization_name: string;
                                /** @description The scopes an installation may grant it (a subset of these). */
                                scopes: string[];
                                logo_uri: string | null;
                            }[];
                            /** @description Pass as `cursor` to get the next page; null on the last page. */
                            next_cursor: string | null;
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/decoupled-requests": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Decoupled authorization requests (CIBA poll mode), oldest first (order=newest: newest first). status=pending lists only those that can still be decided; status=decided lists approved, denied and redeemed ones. */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    cursor?: string;
                    /** @description pending, approved, denied, redeemed, or decided (the last three) */
                    status?: string;
                    /** @description oldest (default) or newest */
                    order?: string;
                    application_id?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                id: string;
                                /** @description null when the application was deleted */
                                client_id: string | null;
                                application_id: string;
                                application_name: string | null;
                                scopes: string[];
                                /** @description the user named by login_hint, or null when it named an organization */
                                user_id: string | null;
                                /** @description the organization named by login_hint, or the one that approved */
                                organization_id: string | null;
                                binding_message: string | null;
                                /** @description expired: still pending past expires_at; redeemed: the client received its tokens */
                                status: "pending" | "approved" | "denied" | "redeemed" | "expired";
                                /** @description epoch milliseconds */
                                created_at: number;
                                /** @description epoch milliseconds */
                                expires_at: number;
                                decided_at: number | null;
                                decided_by: string | null;
                            }[];
                            /** @description Pass as `cursor` to get the next page; null on the last page. */
                            next_cursor: string | null;
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/decoupled-requests/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            /** @description null when the application was deleted */
                            client_id: string | null;
                            application_id: string;
                            application_name: string | null;
                            scopes: string[];
                            /** @description the user named by login_hint, or null when it named an organization */
                            user_id: string | null;
                            /** @description the organization named by login_hint, or the one that approved */
                            organization_id: string | null;
                            binding_message: string | null;
                            /** @description expired: still pending past expires_at; redeemed: the client received its tokens */
                            status: "pending" | "approved" | "denied" | "redeemed" | "expired";
                            /** @description epoch milliseconds */
                            created_at: number;
                            /** @description epoch milliseconds */
                            expires_at: number;
                            decided_at: number | null;
                            decided_by: string | null;
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/decoupled-requests/{id}/approve": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** @description Approve a pending request: the client's next poll of the token endpoint receives tokens and an installation is recorded for the organization. 409 when it expired or was already decided. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description required to approve a request naming a user who can grant for several organizations */
                        organization_id?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            /** @description null when the application was deleted */
                            client_id: string | null;
                            application_id: string;
                            application_name: string | null;
                            scopes: string[];
                            /** @description the user named by login_hint, or null when it named an organization */
                            user_id: string | null;
                            /** @description the organization named by login_hint, or the one that approved */
                            organization_id: string | null;
                            binding_message: string | null;
                            /** @description expired: still pending past expires_at; redeemed: the client received its tokens */
                            status: "pending" | "approved" | "denied" | "redeemed" | "expired";
                            /** @description epoch milliseconds */
                            created_at: number;
                            /** @description epoch milliseconds */
                            expires_at: number;
                            decided_at: number | null;
                            decided_by: string | null;
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/decoupled-requests/{id}/deny": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** @description Deny a pending request: the client's next poll gets access_denied. 409 when it expired or was already decided. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description required to approve a request naming a user who can grant for several organizations */
                        organization_id?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            /** @description null when the application was deleted */
                            client_id: string | null;
                            application_id: string;
                            application_name: string | null;
                            scopes: string[];
                            /** @description the user named by login_hint, or null when it named an organization */
                            user_id: string | null;
                            /** @description the organization named by login_hint, or the one that approved */
                            organization_id: string | null;
                            binding_message: string | null;
                            /** @description expired: still pending past expires_at; redeemed: the client received its tokens */
                            status: "pending" | "approved" | "denied" | "redeemed" | "expired";
                            /** @description epoch milliseconds */
                            created_at: number;
                            /** @description epoch milliseconds */
                            expires_at: number;
                            decided_at: number | null;
                            decided_by: string | null;
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/installations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    cursor?: string;
                    organization_id?: string;
                    application_id?: string;
                    status?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                id: string;
                                organization_id: string;
                                application_id: string;
                                scopes: string[];
                                status: "active" | "uninstalled";
                                /** @description Bumped by every credentials webhook (create, scope change, reissue). */
                                credentials_version: number;
                                /** @description Set when a credentials webhook exhausted its attempts: reissue. */
                                delivery_failed_at: number | null;
                                created_at: number;
                                updated_at: number;
                                uninstalled_at: number | null;
                                /** @description The installed application's name. */
                                application_name: string | null;
                                /** @description The merchant organization's name. */
                                organization_name: string | null;
                            }[];
                            /** @description Pass as `cursor` to get the next page; null on the last page. */
                            next_cursor: string | null;
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        /** @description Install an application for a merchant. The refresh token and a 5-minute access token are sent by the INSTALLATION.CREATE webhook only. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        organization_id: string;
                        /** @description application id or client_id */
                        application_id: string;
                        scopes: string[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            organization_id: string;
                            application_id: string;
                            scopes: string[];
                            status: "active" | "uninstalled";
                            /** @description Bumped by every credentials webhook (create, scope change, reissue). */
                            credentials_version: number;
                            /** @description Set when a credentials webhook exhausted its attempts: reissue. */
                            delivery_failed_at: number | null;
                            created_at: number;
                            updated_at: number;
                            uninstalled_at: number | null;
                            /** @description The installed application's name. */
                            application_name: string | null;
                            /** @description The merchant organization's name. */
                            organization_name: string | null;
                        } & {
                            /** @description Ids of the webhook deliveries enqueued. */
                            webhook_deliveries: string[];
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/installations/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            organization_id: string;
                            application_id: string;
                            scopes: string[];
                            status: "active" | "uninstalled";
                            /** @description Bumped by every credentials webhook (create, scope change, reissue). */
                            credentials_version: number;
                            /** @description Set when a credentials webhook exhausted its attempts: reissue. */
                            delivery_failed_at: number | null;
                            created_at: number;
                            updated_at: number;
                            uninstalled_at: number | null;
                            /** @description The installed application's name. */
                            application_name: string | null;
                            /** @description The merchant organization's name. */
                            organization_name: string | null;
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** @description Uninstall: every token of the installation stops working; INSTALLATION.DELETE is sent. */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** @description Change the granted scopes; sends INSTALLATION.UPDATE with new credentials. The previous refresh token works until the new one is first used. */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        scopes: string[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            organization_id: string;
                            application_id: string;
                            scopes: string[];
                            status: "active" | "uninstalled";
                            /** @description Bumped by every credentials webhook (create, scope change, reissue). */
                            credentials_version: number;
                            /** @description Set when a credentials webhook exhausted its attempts: reissue. */
                            delivery_failed_at: number | null;
                            created_at: number;
                            updated_at: number;
                            uninstalled_at: number | null;
                            /** @description The installed application's name. */
                            application_name: string | null;
                            /** @description The merchant organization's name. */
                            organization_name: string | null;
                        } & {
                            /** @description Ids of the webhook deliveries enqueued. */
                            webhook_deliveries: string[];
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/v1/installations/{id}/reissue": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** @description Mint fresh credentials in a new INSTALLATION.UPDATE with a fresh delivery budget. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            organization_id: string;
                            application_id: string;
                            scopes: string[];
                            status: "active" | "uninstalled";
                            /** @description Bumped by every credentials webhook (create, scope change, reissue). */
                            credentials_version: number;
                            /** @description Set when a credentials webhook exhausted its attempts: reissue. */
                            delivery_failed_at: number | null;
                            created_at: number;
                            updated_at: number;
                            uninstalled_at: number | null;
                            /** @description The installed application's name. */
                            application_name: string | null;
                            /** @description The merchant organization's name. */
                            organization_name: string | null;
                        } & {
                            /** @description Ids of the webhook deliveries enqueued. */
                            webhook_deliveries: string[];
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                kid: string;
                                alg: string;
                                state: "pending" | "active" | "retired";
                                created_at: number;
                                activates_at: number;
                                retired_at: number | null;
                                removed_at: number | null;
                            }[];
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/keys/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        alg?: "RS256" | "ES256" | "EdDSA";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            kid: string;
                            alg: string;
                            state: "pending" | "active" | "retired";
                            created_at: number;
                            activates_at: number;
                            retired_at: number | null;
                            removed_at: number | null;
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description The caller: a platform administrator (the admin application, user null), or a person with their memberships. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The caller of the management API. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description How the audit log names the caller: `app:<client_id>` or `user:<id>`. */
                            actor: string;
                            /** @description True for the admin application's token and for a person with platform_admin: every right. */
                            platform_admin: boolean;
                            /** @description The person; null for an admin application's token. */
                            user: {
                                id: string;
                                email: string;
                                name: string;
                                platform_admin: boolean;
                            } | null;
                            /** @description The organizations the person belongs to and their role in each; empty for an application. */
                            memberships: {
                                organization: {
                                    id: string;
                                    name: string;
                                    type: "merchant" | "partner" | "platform";
                                };
                                role: "owner" | "admin" | "developer";
                            }[];
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/organizations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    cursor?: string;
                    type?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                id: string;
                                type: "merchant" | "partner" | "platform";
                                name: string;
                                /** @description epoch milliseconds */
                                created_at: number;
                            }[];
                            /** @description Pass as `cursor` to get the next page; null on the last page. */
                            next_cursor: string | null;
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description merchant, partner or platform */
                        type: string;
                        name: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            type: "merchant" | "partner" | "platform";
                            name: string;
                            /** @description epoch milliseconds */
                            created_at: number;
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/organizations/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            type: "merchant" | "partner" | "platform";
                            name: string;
                            /** @description epoch milliseconds */
                            created_at: number;
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/scopes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    cursor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                scope: string;
                                audience: string;
                                operation: string;
                                description: string;
                                created_at: number;
                            }[];
                            /** @description Pass as `cursor` to get the next page; null on the last page. */
                            next_cursor: string | null;
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description audience:operation, e.g. payments:create */
                        scope: string;
                        description?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            scope: string;
                            audience: string;
                            operation: string;
                            description: string;
                            created_at: number;
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/scopes/{scope}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    scope: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            scope: string;
                            audience: string;
                            operation: string;
                            description: string;
                            created_at: number;
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    scope: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    scope: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        description: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            scope: string;
                            audience: string;
                            operation: string;
                            description: string;
                            created_at: number;
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/v1/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Usage over time for the dashboard: tokens issued per grant and per application, failed client authentications, refresh-token reuse detections, webhook attempts. Hourly totals of every process, written every GRANTRY_USAGE_FLUSH_INTERVAL. Default: the last 24 hours by hour (bucket=day: the last 30 days). */
        get: {
            parameters: {
                query?: {
                    /** @description ms since the epoch; rounded down to the bucket */
                    from?: number;
                    /** @description ms since the epoch; rounded up to the bucket */
                    to?: number;
                    bucket?: "hour" | "day";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Start of the first point, ms since the epoch. */
                            from: number;
                            /** @description End of the last point (exclusive). */
                            to: number;
                            bucket: "hour" | "day";
                            points: {
                                at: number;
                                /** @description Tokens issued, by grant_type (or the dialect's label). */
                                tokens: {
                                    [key: string]: number;
                                };
                                client_auth_failures: number;
                                refresh_reuse_detections: number;
                                webhook_attempts_succeeded: number;
                                webhook_attempts_failed: number;
                            }[];
                            /** @description The ten applications that got most tokens in the window. */
                            applications: {
                                application_id: string;
                                /** @description Null once the application was deleted. */
                                client_id: string | null;
                                name: string | null;
                                total: number;
                                /** @description Tokens issued per point, aligned with `points`. */
                                tokens: number[];
                            }[];
                            totals: {
                                /** @description Tokens issued, by grant_type (or the dialect's label). */
                                tokens: {
                                    [key: string]: number;
                                };
                                client_auth_failures: number;
                                refresh_reuse_detections: number;
                                webhook_attempts_succeeded: number;
                                webhook_attempts_failed: number;
                            };
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    cursor?: string;
                    /** @description only members of this organization */
                    organization_id?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                id: string;
                                email: string;
                                name: string;
                                /** @description A platform administrator manages every organization. */
                                platform_admin: boolean;
                                status: "active" | "disabled";
                                /** @description False until the user sets a password through a setup link. */
                                has_password: boolean;
                                memberships: {
                                    organization_id: string;
                                    /** @description owner, admin or developer */
                                    role: string;
                                }[];
                                created_at: number;
                                updated_at: number;
                            }[];
                            /** @description Pass as `cursor` to get the next page; null on the last page. */
                            next_cursor: string | null;
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        /** @description Create a user. Without a password the response carries a one-time `setup_link` (shown once) to set one. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        email: string;
                        name?: string;
                        /** @description At least 12 characters. Omit it to get a one-time setup link instead. */
                        password?: string;
                        platform_admin?: boolean;
                        memberships?: {
                            organization_id: string;
                            /** @description owner, admin or developer */
                            role: string;
                        }[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            email: string;
                            name: string;
                            /** @description A platform administrator manages every organization. */
                            platform_admin: boolean;
                            status: "active" | "disabled";
                            /** @description False until the user sets a password through a setup link. */
                            has_password: boolean;
                            memberships: {
                                organization_id: string;
                                /** @description owner, admin or developer */
                                role: string;
                            }[];
                            created_at: number;
                            updated_at: number;
                        } & {
                            /** @description One-time link to set a password; shown once, only its hash is stored. */
                            setup_link?: string;
                            /** @description epoch milliseconds */
                            setup_link_expires_at?: number;
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description user id or email */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            email: string;
                            name: string;
                            /** @description A platform administrator manages every organization. */
                            platform_admin: boolean;
                            status: "active" | "disabled";
                            /** @description False until the user sets a password through a setup link. */
                            has_password: boolean;
                            memberships: {
                                organization_id: string;
                                /** @description owner, admin or developer */
                                role: string;
                            }[];
                            created_at: number;
                            updated_at: number;
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** @description Delete a user (refused for the last owner of an organization). */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description user id or email */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** @description Change name, platform_admin, status or password. Disabling or a new password ends the user's sessions. */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description user id or email */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name?: string;
                        platform_admin?: boolean;
                        /** @description active or disabled; disabling ends every session of the user */
                        status?: string;
                        /** @description A new password; ends every session of the user. */
                        password?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            email: string;
                            name: string;
                            /** @description A platform administrator manages every organization. */
                            platform_admin: boolean;
                            status: "active" | "disabled";
                            /** @description False until the user sets a password through a setup link. */
                            has_password: boolean;
                            memberships: {
                                organization_id: string;
                                /** @description owner, admin or developer */
                                role: string;
                            }[];
                            created_at: number;
                            updated_at: number;
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/v1/users/{id}/memberships/{organization_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** @description Add the user to an organization or change their role there. The last owner cannot be demoted. */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                    organization_id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description owner, admin or developer */
                        role: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            email: string;
                            name: string;
                            /** @description A platform administrator manages every organization. */
                            platform_admin: boolean;
                            status: "active" | "disabled";
                            /** @description False until the user sets a password through a setup link. */
                            has_password: boolean;
                            memberships: {
                                organization_id: string;
                                /** @description owner, admin or developer */
                                role: string;
                            }[];
                            created_at: number;
                            updated_at: number;
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        post?: never;
        /** @description Remove the user from an organization. The last owner cannot be removed. */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                    organization_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            email: string;
                            name: string;
                            /** @description A platform administrator manages every organization. */
                            platform_admin: boolean;
                            status: "active" | "disabled";
                            /** @description False until the user sets a password through a setup link. */
                            has_password: boolean;
                            memberships: {
                                organization_id: string;
                                /** @description owner, admin or developer */
                                role: string;
                            }[];
                            created_at: number;
                            updated_at: number;
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{id}/setup-link": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** @description A new one-time link to set a password (a reset by an administrator); shown once. The current password keeps working until the link is used. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description user id or email */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            user_id: string;
                            /** @description One-time link to set a password; shown once, only its hash is stored. */
                            setup_link: string;
                            /** @description epoch milliseconds */
                            setup_link_expires_at: number;
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhook-deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    cursor?: string;
                    application_id?: string;
                    subscription_id?: string;
                    installation_id?: string;
                    status?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                id: string;
                                subscription_id: string;
                                application_id: string;
                                installation_id: string | null;
                                credentials_version: number | null;
                                event_type: string;
                                /** @description The webhook-id header: the same on every attempt and on a manual retry. */
                                message_id: string;
                                /** @description pending, succeeded, failed, held, cancelled or superseded */
                                status: string;
                                attempt_count: number;
                                max_attempts: number;
                                next_attempt_at: number | null;
                                last_attempt_at: number | null;
                                last_status_code: number | null;
                                last_error: string | null;
                                /** @description False once the delivery ended: the message (with its tokens) is erased. */
                                payload_retained: boolean;
                                created_at: number;
                                completed_at: number | null;
                                attempts: {
                                    attempt: number;
                                    started_at: number;
                                    duration_ms: number | null;
                                    status_code: number | null;
                                    /** @description timeout, connection_refused, dns, tls, blocked_address, http_status or network */
                                    error_class: string | null;
                                    /** @description in_progress, succeeded, failed or abandoned (its worker stopped before reporting) */
                                    outcome: string;
                                }[];
                            }[];
                            /** @description Pass as `cursor` to get the next page; null on the last page. */
                            next_cursor: string | null;
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhook-deliveries/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A webhook delivery. The request body is never shown: it carries tokens. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            subscription_id: string;
                            application_id: string;
                            installation_id: string | null;
                            credentials_version: number | null;
                            event_type: string;
                            /** @description The webhook-id header: the same on every attempt and on a manual retry. */
                            message_id: string;
                            /** @description pending, succeeded, failed, held, cancelled or superseded */
                            status: string;
                            attempt_count: number;
                            max_attempts: number;
                            next_attempt_at: number | null;
                            last_attempt_at: number | null;
                            last_status_code: number | null;
                            last_error: string | null;
                            /** @description False once the delivery ended: the message (with its tokens) is erased. */
                            payload_retained: boolean;
                            created_at: number;
                            completed_at: number | null;
                            attempts: {
                                attempt: number;
                                started_at: number;
                                duration_ms: number | null;
                                status_code: number | null;
                                /** @description timeout, connection_refused, dns, tls, blocked_address, http_status or network */
                                error_class: string | null;
                                /** @description in_progress, succeeded, failed or abandoned (its worker stopped before reporting) */
                                outcome: string;
                            }[];
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhook-deliveries/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A webhook delivery. The request body is never shown: it carries tokens. */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            subscription_id: string;
                            application_id: string;
                            installation_id: string | null;
                            credentials_version: number | null;
                            event_type: string;
                            /** @description The webhook-id header: the same on every attempt and on a manual retry. */
                            message_id: string;
                            /** @description pending, succeeded, failed, held, cancelled or superseded */
                            status: string;
                            attempt_count: number;
                            max_attempts: number;
                            next_attempt_at: number | null;
                            last_attempt_at: number | null;
                            last_status_code: number | null;
                            last_error: string | null;
                            /** @description False once the delivery ended: the message (with its tokens) is erased. */
                            payload_retained: boolean;
                            created_at: number;
                            completed_at: number | null;
                            attempts: {
                                attempt: number;
                                started_at: number;
                                duration_ms: number | null;
                                status_code: number | null;
                                /** @description timeout, connection_refused, dns, tls, blocked_address, http_status or network */
                                error_class: string | null;
                                /** @description in_progress, succeeded, failed or abandoned (its worker stopped before reporting) */
                                outcome: string;
                            }[];
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhook-event-types": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Every event Grantry sends to webhook endpoints, with a description, the JSON Schema of its `data` and an example message. docs/webhook-events.md is generated from the same catalogue. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["WebhookEventType"][];
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Endpoints across applications, e.g. ?state=failing or ?state=disabled (the console's dashboard). A member sees their organizations' applications' endpoints. */
        get: {
            parameters: {
                query?: {
                    state?: "failing" | "disabled" | "enabled";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: ({
                                id: string;
                                application_id: string;
                                url: string;
                                description: string | null;
                                events: string[];
                                enabled: boolean;
                                disabled_at: number | null;
                                /** @description 'gone' (the receiver answered 410), 'admin' (disabled by hand) or 'failing' (only failed attempts for GRANTRY_WEBHOOK_FAILING_DISABLE_AFTER) */
                                disabled_reason: ("gone" | "admin" | "failing") | null;
                                /** @description The first failed attempt since the last successful one; null when the last attempt succeeded. */
                                failing_since: number | null;
                                /** @description Attempts per second this endpoint receives at most, across every Grantry process; null = no limit. */
                                rate_limit: number | null;
                                /** @description The live signing secrets (metadata only; a secret is shown once, when created or rotated). */
                                secrets: {
                                    id: string;
                                    created_at: number;
                                    /** @description Null for the current secret; a previous secret keeps signing until then (the overlap of a rotation). */
                                    expires_at: number | null;
                                }[];
                                created_at: number;
                                updated_at: number;
                            } & {
                                application_name: string | null;
                            })[];
                        };
                    };
                };
                /** @description RFC 9457 problem document */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                /** @description RFC 9457 problem document */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description RFC 9457 problem document */
        Problem: {
            type: string;
            title: string;
            status: number;
            detail: string;
            errors?: {
                field: string;
                message: string;
            }[];
        };
        WebhookEventType: {
            /** @description The event type, as in the message's `type` and in a subscription's `events`. */
            type: string;
            /** @description What it means, when it is sent, and what the receiver must do. */
            description: string;
            /** @description False for WEBHOOK.TEST: sent only on request, not listed in `events`. */
            subscribable: boolean;
            /** @description True when `data` holds tokens: store them durably before answering 2xx. */
            carries_credentials: boolean;
            /** @description JSON Schema of the message's `data`. */
            schema: {
                [key: string]: unknown;
            };
            /** @description A whole message as a receiver gets it. */
            example: {
                type: string;
                timestamp: string;
                /** @description The event's data (token values in examples are fake). */
                data: {
                    [key: string]: unknown;
                };
            };
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
