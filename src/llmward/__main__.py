from llmward.cli import main

raise SystemExit(main())
