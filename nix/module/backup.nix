# Nightly compressed dumps of the local database (nixpkgs' postgresqlBackup timer), and
# `contest-bot-restore DUMP` (restore.sh) to put one back.
{
  config,
  lib,
  pkgs,
  ...
}:
let
  cfg = config.services.contest-bot;
  inherit (lib) mkIf mkOption types;

  restore = pkgs.writeShellApplication {
    name = "contest-bot-restore";
    runtimeInputs = [
      config.services.postgresql.package
      pkgs.zstd
      pkgs.gzip
      pkgs.util-linux
      config.systemd.package
    ];
    text = builtins.readFile ./restore.sh;
  };
in
{
  options.services.contest-bot.backup = {
    enable = mkOption {
      type = types.bool;
      default = cfg.database.createLocally;
      defaultText = lib.literalExpression "config.services.contest-bot.database.createLocally";
      description = "Dump the `contest-bot` database on a timer.";
    };

    startAt = mkOption {
      type = types.str;
      default = "*-*-* 03:15:00";
      description = "systemd calendar expression of the backup timer.";
    };

    location = mkOption {
      type = types.str;
      default = "/var/backup/postgresql";
      description = "Directory of the dumps (copy it off the machine, e.g. with restic).";
    };
  };

  config = mkIf (cfg.enable && cfg.backup.enable) {
    assertions = [
      {
        assertion = cfg.database.createLocally;
        message = "services.contest-bot.backup dumps the local database only.";
      }
    ];

    services.postgresqlBackup = {
      enable = true;
      databases = [ "contest-bot" ];
      inherit (cfg.backup) startAt location;
      compression = "zstd";
    };

    environment.systemPackages = [ restore ];
  };
}
