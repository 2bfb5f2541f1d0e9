"""The simulator's WOO X V3 dialect (`alphaloop sim serve --dialect woox`): routes, auth, envelope and
errors of ../shared/spec/woox-v3-api.md over the same venue-neutral core as the WEEX dialect.
Select it with `ServerConfig(dialect="woox")`; `create_app` then returns a `WooxSimulatorApp`."""
