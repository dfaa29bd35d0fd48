# nginx in front of Contest Bot: the very files of nginx/ that the local stack tests run
# (nginx/local-stack.conf.template), here around a TLS virtual host with ACME.
{
  config,
  lib,
  ...
}:
let
  cfg = config.services.contest-bot;
  inherit (lib) mkIf mkOption types;

  # The files shared with the local stack, each copied into the store on its own.
  httpConf = ../../nginx/http.conf;
  securityHeadersConf = ../../nginx/security-headers.conf;
  hstsConf = ../../nginx/hsts.conf;
  locationsConf = ../../nginx/locations.conf;

  siteConfig = accessLog: tls: ''
    access_log ${accessLog} contest_bot_json;
    include ${securityHeadersConf};
    ${lib.optionalString tls "include ${hstsConf};"}
    include ${locationsConf};
  '';
in
{
  options.services.contest-bot.nginx = {
    enable = mkOption {
      type = types.bool;
      default = true;
      description = "Serve the Mini App, API and webhook through nginx on `domain`.";
    };

    tls = mkOption {
      type = types.bool;
      default = true;
      description = "HTTPS with a Let's Encrypt certificate (ACME HTTP-01), HTTP redirected, HSTS.";
    };

    acmeEmail = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "ops@example.org";
      description = "Contact address for Let's Encrypt; required when `tls` is on.";
    };

    internalPort = mkOption {
      type = types.port;
      default = 9180;
      description = ''
        Port of a loopback-only server with the same routes, so that local clients
        (Prometheus, health checks) reach /metrics, /healthz and /readyz.
      '';
    };
  };

  config = mkIf (cfg.enable && cfg.nginx.enable) {
    assertions = [
      {
        assertion = cfg.nginx.tls -> cfg.nginx.acmeEmail != null;
        message = "services.contest-bot.nginx.acmeEmail is needed for Let's Encrypt.";
      }
    ];

    # nginx reaches the role sockets through the service group.
    users.users.${config.services.nginx.user}.extraGroups = [ "contest-bot" ];

    security.acme = mkIf cfg.nginx.tls {
      acceptTerms = true;
      defaults.email = cfg.nginx.acmeEmail;
    };

    services.nginx = {
      enable = true;
      recommendedOptimisation = true;
      # nixpkgs writes `worker_processes` nowhere; without it nginx runs one worker.
      appendConfig = "worker_processes auto;";
      # http.conf names the log format, zones and maps the servers use. nixpkgs writes
      # commonHttpConfig before the virtual hosts and appendHttpConfig after them, where
      # `access_log … contest_bot_json` would name a format nginx does not know yet.
      # The public card's micro-cache (locations.conf) lives in the unit's CacheDirectory.
      # The TLS session settings are recommendedTlsSettings' without its OCSP stapling:
      # Let's Encrypt no longer runs OCSP, and stapling would need a `resolver`.
      commonHttpConfig = ''
        include ${httpConf};
        proxy_cache_path /var/cache/nginx/contest-bot levels=1 keys_zone=contest_bot_cards:1m max_size=16m inactive=10s use_temp_path=off;
        ssl_session_timeout 1d;
        ssl_session_cache shared:SSL:10m;
        ssl_session_tickets off;
        ssl_prefer_server_ciphers off;
      '';

      upstreams = {
        # One server per API process (api.instances).
        contest_bot_api = {
          servers = lib.mapAttrs' (_: socket: lib.nameValuePair "unix:${socket}" { }) cfg.api.sockets;
          extraConfig = "keepalive 16;";
        };
        # One server per bot process (bot.instances).
        contest_bot_bot = {
          servers = lib.mapAttrs' (_: socket: lib.nameValuePair "unix:${socket}" { }) cfg.bot.sockets;
          extraConfig = "keepalive 64;";
        };
      };

      virtualHosts.${cfg.domain} = {
        forceSSL = cfg.nginx.tls;
        enableACME = cfg.nginx.tls;
        root = "${cfg.miniapp}";
        extraConfig = siteConfig "/var/log/nginx/contest-bot.access.log" cfg.nginx.tls;
      };

      virtualHosts.contest-bot-internal = {
        listen = [
          {
            addr = "127.0.0.1";
            port = cfg.nginx.internalPort;
          }
        ];
        root = "${cfg.miniapp}";
        # nginx's own counters for the Prometheus exporter, on loopback only (rather
        # than nixpkgs' statusPage, a second server on the public port 80).
        extraConfig = siteConfig "/var/log/nginx/contest-bot-internal.access.log" false + ''
          location = /nginx_status {
            stub_status;
            access_log off;
            allow 127.0.0.1;
            allow ::1;
            deny all;
          }
        '';
      };
    };
  };
}
