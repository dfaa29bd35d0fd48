# The production host: a Hetzner Cloud VM that Terraform creates and nixos-anywhere
# installs. Machine facts come from terraform.json (written by terraform/nixos.tf);
# secrets from secrets.yaml (sops, decrypted with the host's SSH key).
{
  config,
  lib,
  modulesPath,
  ...
}:
let
  host = builtins.fromJSON (builtins.readFile ./terraform.json);
  secretsFile = ./secrets.yaml;
  # Until secrets.yaml exists nothing below may read the sops template: the assertion
  # then says what to do instead of an "attribute missing" error.
  hasSecrets = builtins.pathExists secretsFile;
  ipv6Address =
    if lib.hasInfix "/" host.ipv6 then
      host.ipv6
    else
      "${host.ipv6}/${toString (host.ipv6_prefix_length or 64)}";
in
{
  imports = [
    (modulesPath + "/profiles/qemu-guest.nix")
    ./disko.nix
  ];

  system.stateVersion = "26.05";
  networking.hostName = host.hostname;
  time.timeZone = "UTC";

  boot.loader.grub = {
    enable = true;
    efiSupport = true;
    efiInstallAsRemovable = true;
  };

  # Hetzner Cloud: IPv4 by DHCP, IPv6 static with the link-local gateway.
  networking.useNetworkd = true;
  systemd.network.networks."10-uplink" = {
    matchConfig.Name = "en*";
    networkConfig.DHCP = "ipv4";
    address = [ ipv6Address ];
    routes = [ { Gateway = "fe80::1"; } ];
  };

  networking.firewall.enable = true;
  services.openssh = {
    enable = true;
    openFirewall = true;
    settings = {
      PasswordAuthentication = false;
      KbdInteractiveAuthentication = false;
      PermitRootLogin = "prohibit-password";
    };
  };
  users.users.root.openssh.authorizedKeys.keys = host.admin_ssh_keys;

  nix.settings.experimental-features = [
    "nix-command"
    "flakes"
  ];

  assertions = [
    {
      assertion = hasSecrets;
      message = "nix/hosts/prod/secrets.yaml is missing: create it with sops (keys bot_token, webhook_secret, alerts_bot_token); see nix/README.md.";
    }
  ];

  sops = lib.mkIf hasSecrets {
    defaultSopsFile = secretsFile;
    age.sshKeyPaths = [ "/etc/ssh/ssh_host_ed25519_key" ];
    secrets.bot_token = { };
    secrets.webhook_secret = { };
    # The bot that sends alerts to the ops chat (may be a different bot than the app's).
    secrets.alerts_bot_token.restartUnits = [ "alertmanager.service" ];
    templates."contest-bot.env" = {
      content = ''
        BOT_TOKEN=${config.sops.placeholder.bot_token}
        WEBHOOK_SECRET=${config.sops.placeholder.webhook_secret}
      '';
      owner = "contest-bot";
      restartUnits = [ "contest-bot.target" ];
    };
  };

  services.contest-bot = {
    enable = true;
    inherit (host) domain;
    nginx.acmeEmail = host.acme_email;
    environmentFiles = lib.optional hasSecrets config.sops.templates."contest-bot.env".path;
    openFirewall = true;
    monitoring.enable = true;
    monitoring.alerts.telegram = lib.mkIf hasSecrets {
      chatId = host.alerts_chat_id;
      botTokenFile = config.sops.secrets.alerts_bot_token.path;
    };
    worker.processes = {
      main = { };
      second = { };
    };
  };
}
