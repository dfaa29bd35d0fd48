# nginx.conf as nixpkgs' nginx module writes it (services/web-servers/nginx/default.nix
# at NixOS/nixpkgs 5bba330bed5d27ebf3d1f10b4ce562b944d42edb, `configFile` and `vhosts`),
# from an evaluated `services.nginx`: the same blocks in the same order, for the options
# this project can set (no streams, locations beyond extraConfig, QUIC or basic auth).
# `@MIME_TYPES@` and `@NGINX_CONF_DIR@` stand for `${pkgs.mailcap}/etc/nginx/mime.types`
# and `${cfg.package}/conf`; the test fills them in from the installed nginx.
{
  lib,
  config,
}:
let
  inherit (lib) optionalString optionals concatStringsSep concatMapStringsSep;
  cfg = config.services.nginx;
  unmodelled = lib.filter (name: cfg.${name}) [
    "recommendedGzipSettings"
    "recommendedProxySettings"
  ];

  upstreamConfig = toString (
    lib.mapAttrsToList (name: upstream: ''
      upstream ${name} {
        ${toString (
          lib.mapAttrsToList (server: parameters: ''
            server ${server} ${
              concatStringsSep " " (
                lib.mapAttrsToList (
                  key: value: if builtins.isBool value then optionalString value key else "${key}=${toString value}"
                ) parameters
              )
            };
          '') upstream.servers
        )}
        ${upstream.extraConfig}
      }
    '') cfg.upstreams
  );

  vhost =
    vhostName: vhost:
    let
      serverName = if vhost.serverName != null then vhost.serverName else vhostName;
      certDir = config.security.acme.certs.${serverName}.directory;
      onlySSL = vhost.onlySSL;
      hasSSL = onlySSL || vhost.addSSL || vhost.forceSSL;
      mkDefaultListenVhost =
        listenLines:
        optionals (hasSSL || vhost.rejectSSL) (
          map (listen: {
            port = cfg.defaultSSLListenPort;
            ssl = true;
          } // listen) (lib.filter (listen: !(listen ? ssl) || listen.ssl) listenLines)
        )
        ++ optionals (!onlySSL) (
          map (listen: {
            port = cfg.defaultHTTPListenPort;
            ssl = false;
          } // listen) (lib.filter (listen: !(listen ? ssl) || !listen.ssl) listenLines)
        );
      defaultListen =
        if vhost.listen != [ ] then
          vhost.listen
        else
          mkDefaultListenVhost (
            map (addr: { inherit addr; }) (
              if vhost.listenAddresses != [ ] then vhost.listenAddresses else cfg.defaultListenAddresses
            )
          );
      hostListen = if vhost.forceSSL then lib.filter (x: x.ssl) defaultListen else defaultListen;
      redirectListen = lib.filter (x: !x.ssl) defaultListen;
      listenString =
        {
          addr,
          port,
          ssl,
          proxyProtocol ? false,
          extraParameters ? [ ],
          ...
        }:
        "listen ${addr}${optionalString (port != null) ":${toString port}"} "
        + optionalString ssl "ssl "
        + optionalString vhost.default "default_server "
        + optionalString proxyProtocol "proxy_protocol "
        + concatStringsSep " " extraParameters
        + ";";
      acmeLocation = optionalString (vhost.enableACME || vhost.useACMEHost != null) ''
        location ^~ /.well-known/acme-challenge/ {
          ${optionalString (vhost.acmeRoot != null) "root ${vhost.acmeRoot};"}
          auth_basic off;
          auth_request off;
        }
      '';
      locations = concatStringsSep "\n" (
        lib.mapAttrsToList (location: value: ''
          location ${location} {
            ${value.extraConfig}
          }
        '') vhost.locations
      );
    in
    ''
      ${optionalString vhost.forceSSL ''
        server {
          ${concatMapStringsSep "\n" listenString redirectListen}

          server_name ${serverName} ${concatStringsSep " " vhost.serverAliases};

          location / {
            return ${toString vhost.redirectCode} https://$host$request_uri;
          }
          ${acmeLocation}
        }
      ''}

      server {
        ${concatMapStringsSep "\n" listenString hostListen}
        server_name ${serverName} ${concatStringsSep " " vhost.serverAliases};
        ${optionalString (hasSSL && vhost.http2) "http2 on;"}
        ${optionalString hasSSL ''
          ssl_certificate ${if vhost.enableACME then "${certDir}/fullchain.pem" else vhost.sslCertificate};
          ssl_certificate_key ${if vhost.enableACME then "${certDir}/key.pem" else vhost.sslCertificateKey};
        ''}
        ${optionalString (hasSSL && vhost.enableACME) "ssl_trusted_certificate ${certDir}/chain.pem;"}
        ${optionalString (vhost.root != null) "root ${vhost.root};"}
        ${acmeLocation}
        ${locations}

        ${vhost.extraConfig}
      }
    '';
in
lib.throwIf (unmodelled != [ ]) "tests/nix_eval/nginx-conf.nix does not write ${toString unmodelled} yet" ''
  pid /run/nginx/nginx.pid;
  error_log ${cfg.logError};
  daemon off;

  events {
    ${cfg.eventsConfig}
  }

  http {
    # Load mime types and configure maximum size of the types hash tables.
    include @MIME_TYPES@;
    types_hash_max_size ${toString cfg.typesHashMaxSize};

    include @NGINX_CONF_DIR@/fastcgi.conf;
    include @NGINX_CONF_DIR@/uwsgi_params;

    default_type application/octet-stream;

    ${optionalString (cfg.resolver.addresses != [ ]) "resolver ${toString cfg.resolver.addresses};"}
    ${upstreamConfig}

    ${optionalString cfg.recommendedOptimisation ''
      # optimisation
      sendfile on;
      tcp_nopush on;
      tcp_nodelay on;
      keepalive_timeout 65;
    ''}

    ssl_protocols ${cfg.sslProtocols};
    ${optionalString (cfg.sslCiphers != null) "ssl_ciphers ${cfg.sslCiphers};"}

    ${optionalString cfg.recommendedTlsSettings ''
      ssl_session_timeout 1d;
      ssl_session_cache shared:SSL:10m;
      ssl_session_tickets off;
      ssl_prefer_server_ciphers off;

      # OCSP stapling
      ssl_stapling on;
      ssl_stapling_verify on;
    ''}

    # $connection_upgrade is used for websocket proxying
    map $http_upgrade $connection_upgrade {
        default upgrade;
        '''      close;
    }
    client_max_body_size ${cfg.clientMaxBodySize};

    server_tokens ${if cfg.serverTokens then "on" else "off"};

    ${cfg.commonHttpConfig}

    ${concatStringsSep "\n" (lib.mapAttrsToList vhost cfg.virtualHosts)}

    ${cfg.appendHttpConfig}
  }

  ${cfg.appendConfig}
''
