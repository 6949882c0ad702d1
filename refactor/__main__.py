from refactor.cli import main

raise SystemExit(main())
