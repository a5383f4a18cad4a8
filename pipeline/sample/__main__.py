import sys

from pipeline.sample.generator import main

sys.exit(main())
