# services.contest-bot: every role of Contest Bot as its own hardened systemd unit, with
# local PostgreSQL (peer auth) and Redis (unix socket), nginx in front, monitoring and
# backups. Modelled on nixpkgs' paperless, pretalx and mealie modules.
{
  config,
  lib,
  pkgs,
  ...
}:
let
  cfg = config.services.contest-bot;
  inherit (lib)
    mkEnableOption
    mkIf
    mkOption
    types
    ;

  user = "contest-bot";
  group = "contest-bot";
  stateDir = "/var/lib/contest-bot";
  runtimeDir = "/run/contest-bot";
  contestBot = "${cfg.package}/bin/contest-bot";
  redisServer = config.services.redis.servers.contest-bot;

  # Settings become environment variables named as in .env.example; null means unset.
  renderValue = value: if lib.isBool value then lib.boolToString value else toString value;
  environment = lib.mapAttrs (_: renderValue) (lib.filterAttrs (_: value: value != null) cfg.settings);

  secretNames = [
    "BOT_TOKEN"
    "WEBHOOK_SECRET"
  ];

  enabledWorkers = lib.filterAttrs (_: worker: worker.enable) cfg.worker.processes;

  # Unit -> socket of a role run as `instances` processes: `contest-bot-<role>` on
  # `single`, or `contest-bot-<role>-<n>` on <role>-<n>.sock each when there are several.
  roleSockets =
    role: instances: single:
    let
      numbered = n: "${role}-${toString n}";
    in
    if instances == 1 then
      { "contest-bot-${role}" = single; }
    else
      lib.listToAttrs (
        map (
          n: lib.nameValuePair "contest-bot-${numbered n}" "${runtimeDir}/${numbered n}.sock"
        ) (lib.range 1 instances)
      );
  botSockets = roleSockets "bot" cfg.bot.instances cfg.settings.BOT_SOCKET;
  apiSockets = roleSockets "api" cfg.api.instances cfg.settings.API_SOCKET;

  # One hardened service configuration for every unit.
  hardening = {
    User = user;
    Group = group;
    WorkingDirectory = stateDir;
    StateDirectory = "contest-bot";
    StateDirectoryMode = "0700";
    ReadWritePaths = [ runtimeDir ];
    EnvironmentFile = cfg.environmentFiles;
    UMask = "0007";

    CapabilityBoundingSet = "";
    AmbientCapabilities = "";
    NoNewPrivileges = true;
    DevicePolicy = "closed";
    LockPersonality = true;
    PrivateDevices = true;
    PrivateTmp = true;
    ProcSubset = "pid";
    ProtectClock = true;
    ProtectControlGroups = true;
    ProtectHome = true;
    ProtectHostname = true;
    ProtectKernelLogs = true;
    ProtectKernelModules = true;
    ProtectKernelTunables = true;
    ProtectProc = "invisible";
    ProtectSystem = "strict";
    RemoveIPC = true;
    RestrictAddressFamilies = [
      "AF_UNIX"
      "AF_INET"
      "AF_INET6"
    ];
    RestrictNamespaces = true;
    RestrictRealtime = true;
    RestrictSUIDSGID = true;
    SystemCallArchitectures = "native";
    SystemCallFilter = [
      "@system-service"
      "~@privileged"
      "~@resources"
    ];
  };

  dependencies =
    [ "network-online.target" ]
    ++ lib.optional cfg.database.createLocally "postgresql.target"
    ++ lib.optional cfg.redis.createLocally "redis-contest-bot.service";

  migrateUnit = lib.optional cfg.migrations.automatic "contest-bot-migrate.service";

  # A long-running role: restarted on failure, started after the migration.
  roleService = description: serviceConfig: {
    inherit description environment;
    wantedBy = [ "contest-bot.target" ];
    partOf = [ "contest-bot.target" ];
    wants = [ "network-online.target" ];
    after = dependencies ++ migrateUnit;
    requires = lib.remove "network-online.target" dependencies ++ migrateUnit;
    serviceConfig =
      hardening
      // {
        Type = "exec";
        Restart = "on-failure";
        RestartSec = "5s";
        TimeoutStopSec = "30s";
      }
      // serviceConfig;
  };
in
{
  imports = [
    ./nginx.nix
    ./monitoring.nix
    ./backup.nix
  ];

  options.services.contest-bot = {
    enable = mkEnableOption "Contest Bot, a self-hosted Telegram giveaway platform";

    package = mkOption {
      type = types.package;
      description = "The contest-bot environment (provides `bin/contest-bot`).";
    };

    miniapp = mkOption {
      type = types.package;
      description = "The Mini App production build served by nginx.";
    };

    domain = mkOption {
      type = types.str;
      example = "contests.example.org";
      description = "Public domain of the Mini App, API and Telegram webhook.";
    };

    environmentFiles = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "/run/secrets/contest-bot.env" ];
      description = ''
        Files with `NAME=value` lines read by every unit: `BOT_TOKEN`, `WEBHOOK_SECRET`
        and any URL with a password. Paths outside the Nix store (e.g. sops-nix secrets).
      '';
    };

    settings = mkOption {
      description = ''
        Environment of every role, named as in `.env.example` (see `app/config.py`).
        Secrets do not belong here: use `environmentFiles`.
      '';
      default = { };
      type = types.submodule {
        freeformType = types.attrsOf (
          types.nullOr (
            types.oneOf [
              types.str
              types.int
              types.bool
              types.path
            ]
          )
        );
        options = {
          BOT_MODE = mkOption {
            type = types.enum [
              "webhook"
              "polling"
            ];
            default = cfg.bot.mode;
            defaultText = lib.literalExpression "config.services.contest-bot.bot.mode";
            description = "How the bot receives updates.";
          };
          WEBHOOK_BASE_URL = mkOption {
            type = types.nullOr types.str;
            default = if cfg.bot.mode == "webhook" then cfg.publicUrl else null;
            defaultText = lib.literalExpression "publicUrl in webhook mode";
            description = "Base URL Telegram posts updates to.";
          };
          WEBHOOK_PATH = mkOption {
            type = types.str;
            default = "/telegram/webhook";
            readOnly = true;
            description = "Webhook path; fixed because nginx/locations.conf routes it.";
          };
          PUBLIC_URL = mkOption {
            type = types.str;
            default = cfg.publicUrl;
            defaultText = lib.literalExpression "config.services.contest-bot.publicUrl";
            description = "Public base URL of the Mini App and proof pages.";
          };
          DATABASE_URL = mkOption {
            type = types.nullOr types.str;
            default =
              if cfg.database.createLocally then "postgresql:///contest-bot?host=/run/postgresql" else null;
            defaultText = lib.literalExpression "local peer-authenticated socket when database.createLocally";
            description = "PostgreSQL URL; one with a password goes into `environmentFiles`.";
          };
          REDIS_URL = mkOption {
            type = types.nullOr types.str;
            default = if cfg.redis.createLocally then "unix://${redisServer.unixSocket}?db=0" else null;
            defaultText = lib.literalExpression "the local Redis socket when redis.createLocally";
            description = "Redis URL; one with a password goes into `environmentFiles`.";
          };
          STATE_DIR = mkOption {
            type = types.str;
            default = stateDir;
            readOnly = true;
            description = "State directory (systemd StateDirectory).";
          };
          API_SOCKET = mkOption {
            type = types.str;
            default = cfg.api.socket;
            defaultText = lib.literalExpression "config.services.contest-bot.api.socket";
            description = "Unix socket of the API.";
          };
          BOT_SOCKET = mkOption {
            type = types.str;
            default = "${runtimeDir}/bot.sock";
            readOnly = true;
            description = "Unix socket of the bot's webhook server.";
          };
          METRICS_DIR = mkOption {
            type = types.str;
            default = "${runtimeDir}/metrics";
            readOnly = true;
            description = "Prometheus multiprocess directory shared by every role.";
          };
          MINIAPP_DIR = mkOption {
            type = types.str;
            default = "${cfg.miniapp}";
            defaultText = lib.literalExpression "config.services.contest-bot.miniapp";
            description = "The Mini App build.";
          };
          LOG_FORMAT = mkOption {
            type = types.enum [
              "json"
              "text"
            ];
            default = "json";
            description = "Log line format (journald keeps JSON lines as they are).";
          };
        };
      };
    };

    publicUrl = mkOption {
      type = types.str;
      default = "${if cfg.nginx.tls then "https" else "http"}://${cfg.domain}";
      defaultText = lib.literalExpression ''"https://''${domain}"'';
      description = "Public base URL of the site.";
    };

    bot.mode = mkOption {
      type = types.enum [
        "webhook"
        "polling"
      ];
      default = "webhook";
      description = "webhook (behind nginx) or long polling (no public endpoint needed).";
    };

    bot.instances = mkOption {
      type = types.ints.between 1 32;
      default = 1;
      description = ''
        Bot processes (webhook mode), one systemd unit each with its own unix socket;
        nginx spreads Telegram's webhook requests over them (a burst of presses under
        a giveaway post needs more than one process can answer).
      '';
    };

    bot.sockets = mkOption {
      type = types.attrsOf types.str;
      readOnly = true;
      internal = true;
      default = botSockets;
      description = "Bot unit name -> webhook socket (nginx's upstream servers).";
    };

    api.socket = mkOption {
      type = types.str;
      default = "${runtimeDir}/api.sock";
      description = "Unix socket the API listens on; nginx proxies `/api/` to it.";
    };

    api.instances = mkOption {
      type = types.ints.between 1 32;
      default = 1;
      description = ''
        API processes, one systemd unit each with its own unix socket; nginx spreads
        Mini App requests over them (one process uses at most one core).
      '';
    };

    api.sockets = mkOption {
      type = types.attrsOf types.str;
      readOnly = true;
      internal = true;
      default = apiSockets;
      description = "API unit name -> socket (nginx's upstream servers).";
    };

    worker.processes = mkOption {
      description = "Task worker processes, one systemd unit `contest-bot-worker-<name>` each.";
      default = {
        main = { };
      };
      example = {
        main = { };
        second = {
          cpuWeight = 50;
        };
      };
      type = types.attrsOf (
        types.submodule {
          options = {
            enable = mkOption {
              type = types.bool;
              default = true;
              description = "Whether to run this worker.";
            };
            cpuWeight = mkOption {
              type = types.ints.between 1 10000;
              default = 100;
              description = "systemd CPUWeight of this worker.";
            };
          };
        }
      );
    };

    scheduler.enable = mkOption {
      type = types.bool;
      default = true;
      description = "Run the scheduler (exactly one per deployment).";
    };

    migrations.automatic = mkOption {
      type = types.bool;
      default = true;
      description = "Run `contest-bot migrate` as a oneshot that every role requires.";
    };

    database.createLocally = mkOption {
      type = types.bool;
      default = true;
      description = "Create a local PostgreSQL database `contest-bot` owned by the service user.";
    };

    redis.createLocally = mkOption {
      type = types.bool;
      default = true;
      description = "Run a local Redis (`services.redis.servers.contest-bot`) on a unix socket.";
    };

    openFirewall = mkOption {
      type = types.bool;
      default = false;
      description = "Open TCP 80 and 443 (nothing else) for nginx.";
    };
  };

  config = mkIf cfg.enable {
    assertions = [
      {
        assertion = lib.all (name: !(cfg.settings ? ${name})) secretNames;
        message = "services.contest-bot.settings must not hold BOT_TOKEN or WEBHOOK_SECRET: they would land in the world-readable Nix store; use environmentFiles.";
      }
      {
        assertion = lib.all (path: !lib.hasPrefix builtins.storeDir path) cfg.environmentFiles;
        message = "services.contest-bot.environmentFiles must live outside the Nix store.";
      }
      {
        assertion = cfg.settings.DATABASE_URL != null || cfg.environmentFiles != [ ];
        message = "services.contest-bot: set database.createLocally, settings.DATABASE_URL, or DATABASE_URL in an environmentFiles entry.";
      }
      {
        assertion = cfg.bot.instances == 1 || cfg.bot.mode == "webhook";
        message = "services.contest-bot.bot.instances > 1 needs bot.mode = \"webhook\": several pollers would take each other's updates.";
      }
      {
        assertion = cfg.bot.mode != "webhook" || cfg.nginx.enable;
        message = "services.contest-bot.bot.mode = \"webhook\" needs nginx.enable to reach the bot.";
      }
    ];

    users.users.${user} = {
      isSystemUser = true;
      inherit group;
      home = stateDir;
      extraGroups = lib.optional cfg.redis.createLocally redisServer.group;
    };
    users.groups.${group} = { };

    systemd.tmpfiles.settings.contest-bot = {
      ${runtimeDir}.d = {
        inherit user group;
        mode = "0750";
      };
      ${cfg.settings.METRICS_DIR}.d = {
        inherit user group;
        mode = "0700";
      };
    };

    services.postgresql = mkIf cfg.database.createLocally {
      enable = true;
      ensureDatabases = [ user ];
      ensureUsers = [
        {
          name = user;
          ensureDBOwnership = true;
        }
      ];
    };

    services.redis.servers.contest-bot = mkIf cfg.redis.createLocally {
      enable = true;
      port = 0;
      unixSocketPerm = 660;
      appendOnly = true;
    };

    networking.firewall.allowedTCPPorts = mkIf cfg.openFirewall [
      80
      443
    ];

    systemd.targets.contest-bot = {
      description = "Contest Bot, every role";
      wantedBy = [ "multi-user.target" ];
    };

    systemd.services = lib.mkMerge [
      (lib.mapAttrs (
        unit: socket:
        lib.recursiveUpdate (roleService "Contest Bot API (Mini App and organizer API, ${unit})" {
          ExecStart = "${contestBot} api";
        }) { environment.API_SOCKET = socket; }
      ) apiSockets)
      (lib.mapAttrs (
        unit: socket:
        lib.recursiveUpdate (roleService "Contest Bot Telegram bot (${cfg.bot.mode}, ${unit})" {
          ExecStart = "${contestBot} bot";
        }) { environment.BOT_SOCKET = socket; }
      ) botSockets)
      (mkIf cfg.scheduler.enable {
        contest-bot-scheduler = roleService "Contest Bot scheduler" {
          ExecStart = "${contestBot} scheduler";
        };
      })
      (mkIf cfg.migrations.automatic {
        contest-bot-migrate = {
          description = "Contest Bot database migrations";
          inherit environment;
          wantedBy = [ "contest-bot.target" ];
          partOf = [ "contest-bot.target" ];
          wants = [ "network-online.target" ];
          after = dependencies;
          requires = lib.remove "network-online.target" dependencies;
          restartTriggers = [ cfg.package ];
          serviceConfig = hardening // {
            Type = "oneshot";
            RemainAfterExit = true;
            ExecStart = "${contestBot} migrate";
          };
        };
      })
      (lib.mapAttrs' (
        name: worker:
        lib.nameValuePair "contest-bot-worker-${name}" (
          roleService "Contest Bot task worker ${name}" {
            ExecStart = "${contestBot} worker";
            CPUWeight = worker.cpuWeight;
          }
        )
      ) enabledWorkers)
    ];
  };
}
