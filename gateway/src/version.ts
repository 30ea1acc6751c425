/** The platform version reported by `crm --version`, /health and the MCP servers' clients. */
export const VERSION = '0.1.0';
