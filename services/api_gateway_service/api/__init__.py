"""api_gateway_service HTTP and WebSocket blueprints."""
