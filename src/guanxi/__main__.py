from guanxi.config.cli import main

main()
