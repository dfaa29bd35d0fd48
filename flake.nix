{
  description = "Contest Bot: self-hosted Telegram giveaways with provably fair draws";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";

    pyproject-nix = {
      url = "github:pyproject-nix/pyproject.nix";
      inputs.nixpkgs.follows = "nixpkgs";
    };

    uv2nix = {
      url = "github:pyproject-nix/uv2nix";
      inputs.nixpkgs.follows = "nixpkgs";
      inputs.pyproject-nix.follows = "pyproject-nix";
    };

    pyproject-build-systems = {
      url = "github:pyproject-nix/build-system-pkgs";
      inputs.nixpkgs.follows = "nixpkgs";
      inputs.pyproject-nix.follows = "pyproject-nix";
      inputs.uv2nix.follows = "uv2nix";
    };

    disko = {
      url = "github:nix-community/disko";
      inputs.nixpkgs.follows = "nixpkgs";
    };

    sops-nix = {
      url = "github:Mic92/sops-nix";
      inputs.nixpkgs.follows = "nixpkgs";
    };
  };

  outputs =
    {
      self,
      nixpkgs,
      pyproject-nix,
      uv2nix,
      pyproject-build-systems,
      disko,
      sops-nix,
    }:
    let
      inherit (nixpkgs) lib;
      systems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      forAllSystems = f: lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});

      version = (builtins.fromTOML (builtins.readFile ./pyproject.toml)).project.version;
      revision = self.shortRev or self.dirtyShortRev or "dirty";

      workspace = uv2nix.lib.workspace.loadWorkspace { workspaceRoot = ./.; };

      python =
        pkgs:
        import ./nix/python.nix {
          inherit (pkgs) lib;
          inherit
            pkgs
            workspace
            pyproject-nix
            pyproject-build-systems
            ;
        };

      miniapp = pkgs: pkgs.callPackage ./nix/miniapp.nix { inherit version; };

      images =
        pkgs:
        pkgs.callPackage ./nix/images.nix {
          inherit version revision;
          inherit (python pkgs) contest-bot;
          miniapp = miniapp pkgs;
        };
    in
    {
      packages = forAllSystems (
        pkgs:
        {
          contest-bot = (python pkgs).contest-bot;
          miniapp = miniapp pkgs;
          default = self.packages.${pkgs.stdenv.hostPlatform.system}.contest-bot;
        }
        // lib.mapAttrs' (role: image: lib.nameValuePair "image-${role}" image) (images pkgs)
      );

      apps = forAllSystems (pkgs: {
        push-images = {
          type = "app";
          program = lib.getExe (pkgs.callPackage ./nix/push-images.nix { images = images pkgs; });
          meta.description = "Push every role's OCI image to a registry: push-images REGISTRY [TAG]";
        };
      });

      nixosModules.default =
        { lib, pkgs, ... }:
        {
          imports = [ ./nix/module ];
          services.contest-bot = {
            package = lib.mkDefault self.packages.${pkgs.stdenv.hostPlatform.system}.contest-bot;
            miniapp = lib.mkDefault self.packages.${pkgs.stdenv.hostPlatform.system}.miniapp;
          };
        };

      nixosConfigurations.prod = nixpkgs.lib.nixosSystem {
        system = "x86_64-linux";
        modules = [
          disko.nixosModules.disko
          sops-nix.nixosModules.sops
          self.nixosModules.default
          ./nix/hosts/prod
        ];
      };

      checks = forAllSystems (
        pkgs:
        let
          source = lib.cleanSource self;
          inherit (python pkgs) testEnv;
        in
        import ./nix/checks.nix {
          inherit
            lib
            pkgs
            testEnv
            source
            ;
          # The layout of ../shared/nix/src that tests/test_nix_eval.py reads.
          evalSources = pkgs.linkFarm "contest-bot-eval-sources" {
            nixpkgs-lib = nixpkgs;
            inherit sops-nix disko;
          };
        }
        // {
          vm = import ./nix/tests/vm.nix {
            inherit pkgs testEnv source;
            nixosModule = self.nixosModules.default;
          };
        }
      );

      devShells = forAllSystems (
        pkgs:
        let
          py = python pkgs;
        in
        {
          default = import ./nix/devshell.nix {
            inherit pkgs;
            inherit (py) python testEnv;
          };
        }
      );

      formatter = forAllSystems (pkgs: pkgs.nixfmt-tree);
    };
}
